"""Issue 13, points 4-6: calibration errors are one line naming file, parameter and rule (exit 2);
a prediction refuses post-MOU facts at run time; overrides are validated and recorded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from negotiation.cases.microsoft_openai import parameters as P
from negotiation.cases.microsoft_openai.parameters import (
    CalibrationError,
    apply_overrides,
    calibration,
    check_prediction_inputs,
)
from negotiation.kit.calibration import load_calibration
from negotiation.cli import main
from negotiation.pipeline.registry import Experiment, register, unregister
from negotiation.pipeline.results import Results

ROOT = Path(__file__).resolve().parents[1]

ENTRY = 'unit = "1/yr"\nlow = {low}\ncentral = {central}\nhigh = {high}\ndate = "{date}"\nsource = "assumption"\nnote = "n"\n'


def _toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: dict[str, str] | None = None,
          text: str | None = None) -> Path:
    """A small calibration file with two parameters, ``a`` below ``b``, read by the kit (the file
    declares its own parameters), so the test does not depend on the case's parameter list."""
    entries = {"a": ENTRY.format(low=0.03, central=0.07, high=0.12, date="2025-06-30") + 'must_be_below = "b"\n',
               "b": ENTRY.format(low=0.15, central=0.2, high=0.3, date="2025-06-30")}
    entries.update(extra or {})
    body = "[sources]\n\n" + "".join(f"[parameters.{name}]\n{entry}\n" for name, entry in entries.items())
    path = tmp_path / "calibration.toml"
    path.write_text(body if text is None else text)
    return path


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"b": ENTRY.format(low=0.4, central=0.2, high=0.3, date="2025-06-30")}, "parameter 'b': low 0.4 > high 0.3"),
        ({"b": ENTRY.format(low=0.15, central=0.2, high=0.3, date="2025-06-30") + "lo = 250.0\n"},
         "parameter 'b': unknown field 'lo'"),
        ({"b": ENTRY.format(low=0.10, central=0.2, high=0.3, date="2025-06-30")},
         "parameter 'a': must stay below 'b', but its high 0.12 is not below the low 0.1 of 'b'"),
        ({"b": ENTRY.format(low=0.15, central=0.2, high=0.3, date="30/06/2025")}, "parameter 'b': date must be"),
    ],
)
def test_calibration_error_names_file_parameter_and_rule(tmp_path, monkeypatch, extra, needle) -> None:
    path = _toml(tmp_path, monkeypatch, extra)
    with pytest.raises(CalibrationError) as info:
        load_calibration(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and needle in message and "\n" not in message


def test_toml_syntax_error_names_the_file(tmp_path, monkeypatch) -> None:
    path = _toml(tmp_path, monkeypatch, text="[parameters.a\nlow = 1\n")
    with pytest.raises(CalibrationError, match=f"^{path}: not valid TOML"):
        load_calibration(path)


def test_well_formed_small_calibration_loads(tmp_path, monkeypatch) -> None:
    cal = load_calibration(_toml(tmp_path, monkeypatch))
    assert cal.specs["a"].must_be_below == "b" and not cal.overrides


def test_calibration_error_from_the_cli_is_one_line_with_exit_2(tmp_path, monkeypatch, capsys) -> None:
    path = _toml(tmp_path, monkeypatch, {"b": ENTRY.format(low=0.4, central=0.2, high=0.3, date="2025-06-30")})

    def run(parameters, rng, progress):
        load_calibration(path)
        return Results({"x": 1.0})

    register(Experiment(kind="reads_bad_calibration", description="x", schema={}, run=run))
    try:
        config = tmp_path / "exp.toml"
        config.write_text('[experiment]\nname = "bad"\nkind = "reads_bad_calibration"\ndescription = "x"\nseed = 1\n')
        assert main(["run", str(config), "--out", str(tmp_path / "out"), "-q"]) == 2
    finally:
        unregister("reads_bad_calibration")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}: parameter 'b': low 0.4 > high 0.3" in err


def test_overrides_record_what_changed_and_hash_the_variant() -> None:
    base = calibration()
    spec = base.specs["softbank_at_risk"]
    central = spec.high if spec.central != spec.high else spec.low
    variant = apply_overrides(base, {"softbank_at_risk": {"central": central}})
    assert variant.specs["softbank_at_risk"].central == central
    assert variant.overrides == {"softbank_at_risk": {"central": central}}
    record = variant.provenance()
    assert record["file"] == "calibration.toml" and len(record["file_sha256"]) == 64
    assert record["effective_sha256"] != base.sha256() == base.provenance()["effective_sha256"]
    again = apply_overrides(variant, {"softbank_at_risk": {"high": base.specs["softbank_at_risk"].high}})
    assert set(again.overrides["softbank_at_risk"]) == {"central", "high"}
    np.testing.assert_equal(calibration({"softbank_at_risk": {"central": central}}).central().softbank_at_risk, central)


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"softbank": {"central": 1.0}}, "unknown parameter 'softbank'"),
        ({"softbank_at_risk": {"lo": 1.0}}, "parameter 'softbank_at_risk': unknown field 'lo'"),
        ({"softbank_at_risk": {"low": 1e9}}, "parameter 'softbank_at_risk': low 1000000000.0 > high"),
    ],
)
def test_bad_overrides_are_named(overrides, needle) -> None:
    with pytest.raises(CalibrationError, match="overrides of") as info:
        apply_overrides(calibration(), overrides)
    assert needle in str(info.value)


def test_prediction_check_names_parameter_and_date() -> None:
    check_prediction_inputs(calibration())
    late = apply_overrides(calibration(), {"softbank_at_risk": {"date": "2025-09-11"}})
    with pytest.raises(CalibrationError, match="parameter 'softbank_at_risk' is dated 2025-09-11, on or after the MOU"):
        check_prediction_inputs(late)


def _experiment_file(tmp_path: Path, kind: str, date: str) -> Path:
    path = tmp_path / f"{kind}.toml"
    path.write_text(f'[experiment]\nname = "late"\nkind = "{kind}"\ncase = "negotiation.cases.microsoft_openai"\n'
                    f'description = "x"\nseed = 1\n\n'
                    f'[calibration.overrides]\nsoftbank_at_risk = {{ date = {date} }}\n')
    return path


def test_negotiation_run_refuses_a_post_mou_fact_in_a_prediction(tmp_path) -> None:
    config = _experiment_file(tmp_path, "baseline", "2025-10-01")
    done = subprocess.run([sys.executable, "-m", "negotiation", "run", str(config), "--out", str(tmp_path / "out")],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "parameter 'softbank_at_risk' is dated 2025-10-01, on or after the MOU (2025-09-11)" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_fit_may_read_a_post_mou_fact_and_records_the_override(tmp_path) -> None:
    seen = []

    def run(parameters, rng, progress):
        seen.append(calibration().specs["softbank_at_risk"].date.isoformat())
        return Results({"x": 1.0})

    register(Experiment(kind="toy_fit", description="FIT: x", schema={}, run=run, data_files=(P.CALIBRATION_FILE,),
                        role="fit"))
    try:
        config = _experiment_file(tmp_path, "toy_fit", "2025-10-01")
        assert main(["run", str(config), "--out", str(tmp_path / "out"), "-q"]) == 0
    finally:
        unregister("toy_fit")
    assert seen == ["2025-10-01"]
    record = json.loads((tmp_path / "out" / "late" / "provenance.json").read_text())["calibration"]
    assert record["overrides"] == {"softbank_at_risk": {"date": "2025-10-01"}}
    assert record["effective_sha256"] != calibration().sha256()
    assert calibration().specs["softbank_at_risk"].date.isoformat() < "2025-09-11"  # the variant did not leak


def test_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError, match="role of kind 'x' must be one of prediction, fit, comparison"):
        Experiment(kind="x", description="x", schema={}, run=lambda *a: Results({"x": 1.0}), role="forecast")
