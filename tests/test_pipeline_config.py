"""Configuration validation: bad files fail before any work starts, naming the key and file."""

from __future__ import annotations

import re

from pathlib import Path

import pytest
from test_pipeline_toy import toy_kind, write_toy  # noqa: F401  (fixture)

from negotiation.pipeline import ConfigError, Experiment, Layout, Param, load_config, load_configs, reproduce
from negotiation.pipeline.schema import validate_table


def _replace(path: Path, old: str, new: str) -> Path:
    path.write_text(path.read_text().replace(old, new))
    return path


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("scale = 2.0", "scale = 2.0\nscael = 1.0", r"\[parameters\]: unknown key 'scael'; did you mean 'scale'\?"),
        ("draws = 200", 'draws = "many"', r"\[parameters\] draws: expected int, got str"),
        ("draws = 200", "draws = 2.5", r"\[parameters\] draws: expected int, got float"),
        ("draws = 200", "draws = true", r"\[parameters\] draws: expected int, got bool"),
        ("draws = 200", "draws = 0", r"\[parameters\] draws: 0 is below the minimum 1"),
        ("draws = 200", "draws = 1000000", r"\[parameters\] draws: 1000000 is above the maximum 100000"),
        ("scale = 2.0", "scale = -1", r"\[parameters\] scale: -1.0 is below the minimum 0.0"),
        ("scale = 2.0", 'scale = 1.0\nfail = "sometimes"', r"\[parameters\] fail: 'sometimes' is not one of"),
        ("draws = 50", "draws = -5", r"\[quick\] draws: -5 is below the minimum 1"),
        ("seed = 1", "seed = -1", r"\[experiment\] seed: -1 is below the minimum 0"),
        ('kind = "toy"', 'kind = "toy"\nkynd = 1', r"\[experiment\]: unknown key 'kynd'"),
        ('kind = "toy"', 'kind = "nope"', r"\[experiment\] kind: unknown experiment kind 'nope'"),
        ('name = "toy_one"', 'name = "Toy-1"', r"\[experiment\] name: 'Toy-1' must be lower-case words"),
        ("[quick]", "[quik]", r"unknown table \[quik\]"),
        ("seed = 1", "", r"\[experiment\]: missing required key 'seed'"),
        ("draws = 200", "draws = ", r"not valid TOML"),
    ],
)
def test_invalid_config_names_the_key_and_file(tmp_path: Path, toy_kind: Experiment, old: str, new: str, expected: str) -> None:
    path = _replace(write_toy(tmp_path), old, new)
    with pytest.raises(ConfigError, match=expected) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_reproduce_reports_and_skips_a_bad_file_and_runs_the_rest(tmp_path: Path, toy_kind: Experiment) -> None:
    """One bad file among good ones: it is reported and skipped, the good one runs."""
    write_toy(tmp_path, "good")
    _replace(write_toy(tmp_path, "zz_bad"), "draws = 200", "draws = 0")
    summary = reproduce(Layout(tmp_path), paper=False)
    assert summary.ran == ("good",)
    assert len(summary.problems) == 1 and re.search(r"bad.toml \[parameters\] draws", summary.problems[0])
    assert not (tmp_path / "results" / "zz_bad").exists()


def test_defaults_fill_in_and_quick_overrides(tmp_path: Path, toy_kind: Experiment) -> None:
    config = load_config(write_toy(tmp_path))
    assert dict(config.parameters) == {"draws": 200, "scale": 2.0, "fail": "never"}
    assert dict(config.quick_parameters) == {"draws": 50, "scale": 2.0, "fail": "never"}
    assert config.hash(quick=False) != config.hash(quick=True)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such experiment file"):
        load_config(tmp_path / "nope.toml")


def test_duplicate_experiment_names_are_refused(tmp_path: Path, toy_kind: Experiment) -> None:
    write_toy(tmp_path, "twin")
    (tmp_path / "experiments" / "other.toml").write_text((tmp_path / "experiments" / "twin.toml").read_text())
    with pytest.raises(ConfigError, match="experiment name 'twin' is also used"):
        load_configs(tmp_path / "experiments")


def test_param_lists_are_checked_elementwise() -> None:
    schema = {"rates": Param(list, "discount rates", item=float, low=0.0, high=1.0)}
    assert validate_table({"rates": [0.1, 1]}, schema, "f [parameters]")["rates"] == (0.1, 1.0)
    with pytest.raises(ConfigError, match=r"f \[parameters\] rates\[1\]: 2.0 is above the maximum 1.0"):
        validate_table({"rates": [0.1, 2.0]}, schema, "f [parameters]")


def test_param_rejects_an_invalid_default() -> None:
    with pytest.raises(ConfigError, match="default: 5 is above the maximum 1"):
        Param(int, "x", default=5, low=0, high=1)
