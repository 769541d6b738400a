"""The command line as a user meets it: one-line errors, results that a failed command leaves untouched,
a closed pipe, 'did you mean' for a wrong path, worlds as a list, --version, and real bugs that keep
their traceback. Small and fast: the mini scenario, one or two seeds, in-process where possible."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.faces import cli
from sim.faces.output import atomic_output_dir

from conftest import DATA, ROOT

MINI = str(DATA / "mini_history.yaml")


def _tree(folder: Path) -> dict:
    """Every file under ``folder`` with its hash (byte-identical check)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _earlier_result(tmp_path) -> Path:
    out = tmp_path / "runs" / "earlier"
    out.mkdir(parents=True)
    (out / "manifest.json").write_text(json.dumps({"seeds": [1, 2, 3], "worlds": ["deterrence"]}))
    (out / "observables.parquet").write_bytes(b"PAR1 not really")
    return out


def _spiral(*args, cwd=ROOT, **kw):
    return subprocess.run([sys.executable, "-m", "sim.faces.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120, **kw)


def _one_line(err: str) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("seeds", ["0", "-3"])
def test_seeds_below_one_is_a_one_line_error_and_leaves_the_earlier_result_identical(tmp_path, capsys, seeds):
    out = _earlier_result(tmp_path)
    before = _tree(out)
    assert cli.main(["run", MINI, "--seeds", seeds, "--out", str(out)]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "--seeds" in line and "at least 1" in line
    assert _tree(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["earlier"]  # no temporary folder left


def test_a_command_that_fails_midway_leaves_the_earlier_result_untouched(tmp_path, monkeypatch):
    import sim.runs.ensemble as ensemble

    out = _earlier_result(tmp_path)
    before = _tree(out)

    def broken_write(ens, folder, manifest):
        (Path(folder) / "manifest.json").write_text("{}")  # a half-written result ...
        raise RuntimeError("disk on fire")                 # ... then a failure

    monkeypatch.setattr(ensemble, "write_tables", broken_write)
    with pytest.raises(RuntimeError, match="disk on fire"):  # a bug: not turned into 'error: ...'
        cli.main(["run", MINI, "--world", "deterrence", "--seeds", "1", "--workers", "1", "--quiet",
                  "--out", str(out)])
    assert _tree(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["earlier"]


def test_a_successful_run_replaces_the_folder_with_worlds_given_as_a_list(tmp_path, capsys):
    out = _earlier_result(tmp_path)
    assert cli.main(["run", MINI, "--world", "security_dilemma,deterrence", "--seeds", "1", "--workers", "1",
                     "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "patterns held" in printed and "security_dilemma" in printed  # the scorecard
    assert f"report: {(out / 'report.html').resolve()}" in printed
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["worlds"] == ["security_dilemma", "deterrence"] and manifest["seeds"] == [1]
    assert (out / "scorecard.csv").exists() and (out / "report.html").exists()
    assert sorted(p.name for p in out.parent.iterdir()) == ["earlier"]


@pytest.mark.parametrize("command", [["run", MINI], ["compare", MINI, MINI], ["attribute", MINI]])
def test_world_accepts_a_comma_separated_list_on_every_command(command):
    a = cli.build_parser().parse_args([*command, "--world", "provocation,revisionist_spiral"])
    assert a.world == ["provocation", "revisionist_spiral"]
    assert cli.build_parser().parse_args([*command, "--world", "all"]).world == "all"


def test_an_unknown_world_in_a_list_is_one_line_with_did_you_mean(capsys):
    assert cli.main(["compare", MINI, MINI, "--world", "deterrence,provocaton"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "'provocaton'" in line and "did you mean 'provocation'" in line


def test_params_into_a_closed_pipe_exits_cleanly():
    proc = subprocess.Popen([sys.executable, "-m", "sim.faces.cli", "params"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is written (as `spiral params | head -0`)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err and "BrokenPipeError" not in err and err.strip() == ""


def test_a_misspelt_scenario_path_gets_did_you_mean(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert cli.main(["run", "scenarios/historical.yml", "--seeds", "1"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "did you mean 'scenarios/historical.yaml'" in line


def test_a_misspelt_sweep_spec_or_run_folder_gets_did_you_mean(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert cli.main(["sweep", "experiments/worlds_perception.yml", "--dry-run"]) == 2
    assert "did you mean 'experiments/worlds_perception.yaml'" in _one_line(capsys.readouterr().err)
    assert cli.main(["score", "scenario"]) == 2
    assert "no such run folder (did you mean 'scenarios'?)" in _one_line(capsys.readouterr().err)


def test_extends_of_a_file_that_is_not_a_scenario_names_the_referring_file(tmp_path, capsys):
    (tmp_path / "spec.yaml").write_text("model: toy\nseeds: 3\n")
    cf = tmp_path / "cf.yaml"
    cf.write_text("name: cf\nextends: spec.yaml\n")
    assert cli.main(["run", str(cf), "--seeds", "1"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "spec.yaml:1: not a scenario" in line and f"{cf}:2" in line


def test_a_parameter_error_on_the_command_line_has_no_scenario_prefix(capsys):
    assert cli.main(["run", MINI, "--param", "order_weigt=0.5"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "<scenario>" not in line and "did you mean 'order_weight'" in line


def test_version():
    r = _spiral("--version")
    assert r.returncode == 0 and r.stdout.startswith("spiral ") and r.stdout.split()[1][0].isdigit()


def test_every_argument_has_help():
    def walk(parser):
        yield parser
        for act in parser._actions:
            for sub in getattr(act, "choices", None) or {}:
                if isinstance(act.choices, dict):
                    yield from walk(act.choices[sub])

    missing = [f"{p.prog} {a.dest}" for p in walk(cli.build_parser()) for a in p._actions if not a.help]
    assert not missing


def test_an_internal_bug_still_shows_a_traceback():
    code = ("import sys, sim.faces.cli as c\n"
            "def boom(a):\n    raise ValueError('an internal bug')\n"
            "c.cmd_params = boom\nsys.exit(c.main(['params']))\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "Traceback" in r.stderr and "ValueError: an internal bug" in r.stderr
    assert "error: an internal bug" not in r.stderr


def test_atomic_output_dir_refuses_a_file_before_any_work(tmp_path):
    target = tmp_path / "a_file"
    target.write_text("keep me")
    from sim.errors import SpiralError
    with pytest.raises(SpiralError, match="not a folder"):
        with atomic_output_dir(target):
            raise AssertionError("the work must not start")
    assert target.read_text() == "keep me"
