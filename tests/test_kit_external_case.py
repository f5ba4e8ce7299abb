"""Issue 25: a case written outside the package (a data folder and one module) runs through
``negotiation run`` with optimal sets, scores, a sensitivity table and a figure, and the honesty
cut-off its calibration declares is enforced; nothing in the package is edited."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

from negotiation.cli import EXIT_ERROR, EXIT_OK, main

ROOT = Path(__file__).resolve().parents[1]

MODULE = '''
from pathlib import Path
from negotiation.kit.case import Case

def utilities(c, p):
    cola = p.inflation if c["cola"] else 0.0
    union = p.size * (c["wage"] + 0.6 * cola)
    firm = p.size * (p.surplus - c["wage"] - 0.4 * cola) - 0.1 * c["wage"] ** 2
    return union, firm

CASE = Case(name="toy_wages", title="A toy wage bargain", players=("Union", "Firm"), folder=Path(__file__).parent,
            utilities=utilities, disagreement=lambda p: (0.0, 0.0), discount_factors=lambda p: (0.95, 0.9),
            status_quo=lambda p: {"wage": 0.1, "cola": False})
'''

ENTRY = 'unit = "{unit}"\nlow = {low}\ncentral = {central}\nhigh = {high}\ndate = "2023-05-01"\nsource = "{source}"\nnote = "n"\n'
CALIBRATION = ('[calibration]\ncutoff = "2023-09-15"\ncutoff_event = "the strike"\n\n'
               '[sources]\nS1 = { title = "a report", url = "https://example.org/1", date = "2023-05-01" }\n\n'
               + "".join(f"[parameters.{name}]\n" + ENTRY.format(unit=u, low=lo, central=c, high=hi, source=s) + "\n"
                         for name, u, lo, c, hi, s in (("size", "k", 140.0, 146.0, 150.0, "S1"),
                                                       ("surplus", "$k", 0.8, 1.0, 1.2, "assumption"),
                                                       ("inflation", "1/yr", 0.03, 0.04, 0.05, "S1"))))
SPACE = ('[continuous.wage]\nlow = 0.0\nhigh = 1.0\nlow_basis = "natural"\nhigh_basis = "choice"\nwhy = "a raise"\n\n'
         '[discrete.cola]\noptions = [false, true]\nbasis = "natural"\nwhy = "yes or no"\n')
ACTUAL = ('[outcome]\ndate = "2023-10-30"\nsource = "A1"\n\n[sources]\nA1 = { title = "the agreement", '
          'url = "https://example.org/2", date = "2023-10-30" }\n\n[terms]\nwage = 0.25\ncola = true\n')


def _project(tmp_path: Path, overrides: str = "") -> Path:
    case = tmp_path / "cases" / "toy"
    (case / "data").mkdir(parents=True)
    (case / "case.py").write_text(MODULE)
    (case / "data" / "calibration.toml").write_text(CALIBRATION)
    (case / "data" / "contract_space.toml").write_text(SPACE)
    (case / "data" / "actual.toml").write_text(ACTUAL)
    (tmp_path / "experiments").mkdir()
    config = tmp_path / "experiments" / "toy.toml"
    config.write_text('[experiment]\nname = "toy"\nkind = "case_study"\ncase = "../cases/toy/case.py"\n'
                      'description = "a toy"\nseed = 1\n\n[parameters]\ndraws = 6\n' + overrides)
    return config


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_case_outside_the_package_runs_end_to_end(tmp_path: Path) -> None:
    config = _project(tmp_path)
    assert main(["run", str(config), "--out", str(tmp_path / "results"), "--quiet"]) == EXIT_OK
    out = tmp_path / "results" / "toy"
    sets = _rows(out / "tables" / "optimal_sets.csv")
    assert {r["term"] for r in sets} == {"wage", "cola"} and all(r["pinned"] in ("yes", "no") for r in sets)
    scores = _rows(out / "tables" / "scores.csv")
    assert {r["predictor"] for r in scores} == {"Nash", "Kalai–Smorodinsky", "Egalitarian", "Utilitarian", "Rubinstein"}
    nash = next(r for r in scores if r["predictor"] == "Nash")
    assert float(nash["interval_lo"]) <= float(nash["skill"]) <= float(nash["interval_hi"])
    assert nash["skill_wage"] and nash["skill_cola"] and nash["skill_widened"]
    assert _rows(out / "tables" / "sensitivity.csv")
    assert (out / "figures" / "utility-space.pdf").stat().st_size > 0
    assert (out / "figures" / "utility-space.png").stat().st_size > 0


def test_the_declared_cutoff_is_enforced_for_a_case_outside_the_package(tmp_path: Path, capsys) -> None:
    config = _project(tmp_path, '\n[calibration.overrides]\nsize = { date = "2023-09-20" }\n')
    assert main(["run", str(config), "--out", str(tmp_path / "results")]) == EXIT_ERROR
    error = capsys.readouterr().err
    assert "parameter 'size' is dated 2023-09-20, on or after the strike (2023-09-15)" in error
    assert not (tmp_path / "results").exists()


def test_no_module_outside_a_case_folder_names_a_case() -> None:
    found = subprocess.run(["grep", "-rln", "--include=*.py", "microsoft_openai", "negotiation"], cwd=ROOT,
                           capture_output=True, text=True, check=False).stdout.split()
    assert [f for f in found if not f.startswith("negotiation/cases/microsoft_openai")] == []


def test_a_source_of_the_space_dated_after_the_cutoff_is_refused_for_a_prediction(tmp_path: Path, capsys) -> None:
    config = _project(tmp_path)
    space = tmp_path / "cases" / "toy" / "data" / "contract_space.toml"
    space.write_text('[sources]\nP1 = { title = "a later position", url = "https://example.org/3", date = "2023-10-01" }\n\n'
                     + space.read_text())
    assert main(["run", str(config), "--out", str(tmp_path / "results")]) == EXIT_ERROR
    assert "source 'P1' is dated 2023-10-01, on or after the strike (2023-09-15)" in capsys.readouterr().err


def test_an_outcome_dated_before_the_cutoff_is_refused(tmp_path: Path) -> None:
    import pytest

    from negotiation.kit.case import CaseError, load_case

    _project(tmp_path)
    actual = tmp_path / "cases" / "toy" / "data" / "actual.toml"
    actual.write_text(actual.read_text().replace('date = "2023-10-30"\nsource', 'date = "2023-09-01"\nsource'))
    with pytest.raises(CaseError, match="before the calibration's cut-off"):
        load_case(str(tmp_path / "cases" / "toy" / "case.py")).actual_outcome()
