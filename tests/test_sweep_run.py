"""Running sweeps: the same table on any executor and worker count; resume after kill -9; nothing repeated.

These use the toy model (``model: toy``, tests/sweep_toy.py), which is small and deterministic, so that they test the sweep
machinery and take seconds; tests of the spiral model through a sweep are in test_sweep_spiral.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.runs.sweep import (
    SweepError,
    committed_chunks,
    compute_summaries,
    load_results,
    parse_summary,
    plan_sweep,
    run_sweep,
)
from sweep_toy import run_toy  # (and registers the toy model)

REPO = Path(__file__).resolve().parents[1]
TOY_CLI = REPO / "tests" / "sweep_toy.py"  # python -m sim.runs.sweep, with the toy model registered

SPEC = """\
name: toy-run
model: toy
worlds: [deterrence, revisionist_spiral]
parameters:
  misperception: [0.2, 0.6]
  empathy: {low: 0.0, high: 1.0}
  status_weight: range
  noise: 0.05
sampler: {method: latin, n: 6}
seeds: 2
seed: 11
horizon: 2010Q4
chunk_size: 4
keep:
  summaries: [tension@2008, "trust_russia_in_nato@mean(1992-1998)", tension@final]
  steps: [tension]
"""  # 2 worlds x 2 cells x 6 points x 2 seeds = 48 runs, 12 chunks


def spec_file(tmp_path: Path, text: str = SPEC, name: str = "spec.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def parts(out: Path) -> dict[str, bytes]:
    return {f"{sub}/{p.name}": p.read_bytes() for sub in ("summary", "steps") for p in sorted((out / sub).glob("*.parquet"))}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted sweep in one process."""
    tmp = tmp_path_factory.mktemp("ref")
    out = run_sweep(spec_file(tmp), executor="local", workers=1, out=tmp / "out", progress=False)
    return out


def test_reference_sweep_is_complete_and_correct(reference):
    plan = plan_sweep(spec_file(reference.parent, name="again.yaml"))
    df = load_results(reference)
    assert len(df) == plan.n_runs == 48
    assert committed_chunks(reference) == set(range(12))
    m = json.loads((reference / "manifest.json").read_text())
    assert m["status"] == "complete" and m["runs_done"] == 48
    assert {"versions", "code_fingerprint", "git"} <= set(m["provenance"]) and m["sessions"][0]["command"]
    # rows are in run order and each row is what a direct run of the model gives
    assert list(df["point"].iloc[:4]) == [0, 0, 1, 1] and list(df["replicate"].iloc[:4]) == [0, 1, 0, 1]
    summaries = [parse_summary(s) for s in m["summaries"]]
    for i in (0, 17, 47):
        run = plan.run(i)
        obs = run_toy(run.world, run.seed, run.parameters, end="2010Q4")
        expected = compute_summaries(obs, summaries)
        row = df.iloc[i]
        assert (row["world"], row["point"], row["replicate"], row["seed"]) == (run.world, run.point, run.replicate, run.seed)
        for k, v in expected.items():
            assert row[k] == v
    steps = load_results(reference, "steps")
    assert len(steps) == 48 * (2010 - 1992 + 1) * 4
    assert list(steps.columns) == ["scenario", "world", "point", "replicate", "step", "date", "year", "tension"]


def test_two_local_workers_give_byte_identical_parts(reference, tmp_path):
    out = run_sweep(spec_file(tmp_path), executor="local", workers=2, out=tmp_path / "out", progress=False)
    assert parts(out) == parts(reference)
    pd.testing.assert_frame_equal(load_results(out), load_results(reference))


def test_dask_localcluster_gives_the_same_table(reference, tmp_path):
    pytest.importorskip("distributed")
    out = run_sweep(spec_file(tmp_path), executor="dask", workers=2, out=tmp_path / "out", progress=False)
    assert "LocalCluster, 2 worker" in json.loads((out / "manifest.json").read_text())["sessions"][0]["executor"]
    pd.testing.assert_frame_equal(load_results(out), load_results(reference))
    pd.testing.assert_frame_equal(load_results(out, "steps"), load_results(reference, "steps"))
    assert parts(out) == parts(reference)


def test_resume_in_process_runs_only_the_rest(reference, tmp_path):
    spec = spec_file(tmp_path)
    out = run_sweep(spec, workers=2, out=tmp_path / "out", progress=False, max_chunks=5)
    assert len(committed_chunks(out)) == 5 and len(load_results(out)) == 20
    before = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "summary").iterdir()}
    run_sweep(spec, workers=2, out=out, progress=False)
    after = {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (out / "summary").iterdir()}
    assert all(after[name] == stamp for name, stamp in before.items())  # finished chunks were not redone
    assert parts(out) == parts(reference)
    m = json.loads((out / "manifest.json").read_text())
    assert [(s["runs_before"], s["runs_after"]) for s in m["sessions"]] == [(0, 20), (20, 48)]


def test_resume_after_kill_9(reference, tmp_path):
    slow = SPEC.replace("  noise: 0.05\n", "  noise: 0.05\n  delay: 0.04\n").replace("name: toy-run", "name: toy-slow")
    spec = spec_file(tmp_path, slow)
    out = tmp_path / "out"
    # (--allow-code-change: other work may edit sim/ while the test runs; that check has its own test)
    cmd = [sys.executable, str(TOY_CLI), str(spec), "--out", str(out), "--workers", "2", "--no-progress",
           "--allow-code-change"]
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(committed_chunks(out)) < 3:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep made no progress"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the pool workers it started, should any be left
        except ProcessLookupError:
            pass
        proc.stderr.close()
    done = committed_chunks(out)
    assert 3 <= len(done) < 12, "the kill should land mid-way"
    before = {p.name: p.read_bytes() for p in (out / "summary").iterdir() if p.suffix == ".parquet"}
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert all((out / "summary" / n).read_bytes() == b for n, b in before.items())
    assert not [p for p in (out / "summary").iterdir() if ".tmp-" in p.name]
    # the same table as the uninterrupted sweep (the slow spec only adds its `delay` parameter)
    pd.testing.assert_frame_equal(load_results(out).drop(columns="delay"), load_results(reference))
    pd.testing.assert_frame_equal(load_results(out, "steps"), load_results(reference, "steps"))
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["sessions"][-1]["runs_before"] == 4 * len(done)


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_ctrl_c_saves_what_finished_and_says_how_to_resume(tmp_path, executor):
    # slow enough that the interrupt lands before the last chunk whatever else the machine is doing
    slow = SPEC.replace("  noise: 0.05\n", "  noise: 0.05\n  delay: 0.15\n")
    spec = spec_file(tmp_path, slow)
    out = tmp_path / "out"
    cmd = [sys.executable, str(TOY_CLI), str(spec), "--out", str(out), "--workers", "2", "--no-progress",
           "--executor", executor, "--allow-code-change"]
    # Ctrl-C in a terminal reaches a process with the default SIGINT disposition: restore it, since an ignored
    # SIGINT (left by anything earlier in this pytest process) would be inherited by the child
    proc = subprocess.Popen(cmd, cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while len(committed_chunks(out)) < 2:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        assert proc.wait(timeout=30) == 130
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stderr.close()
    assert "Traceback" not in err, err
    m = json.loads((out / "manifest.json").read_text())
    assert m["sessions"][-1]["status"] == "interrupted"
    assert f"interrupted: {m['runs_done']} of 48 runs are saved in {out}; run the same command again" in err
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_a_changed_spec_does_not_resume_into_the_same_directory(reference, tmp_path):
    out = run_sweep(spec_file(tmp_path), workers=1, out=tmp_path / "out", progress=False, max_chunks=1)
    changed = spec_file(tmp_path, SPEC.replace("seed: 11", "seed: 12"), "changed.yaml")
    with pytest.raises(SweepError, match=r"holds a different sweep .*differs in: seed"):
        run_sweep(changed, workers=1, out=out, progress=False)


def test_a_code_change_does_not_resume_silently(tmp_path, monkeypatch):
    from sim.runs.sweep import store

    spec = spec_file(tmp_path)
    out = run_sweep(spec, workers=1, out=tmp_path / "out", progress=False, max_chunks=1)
    monkeypatch.setattr(store, "code_fingerprint", lambda: "0" * 64)
    with pytest.raises(SweepError, match="code under sim/ changed"):
        run_sweep(spec, workers=1, out=out, progress=False)
    run_sweep(spec, workers=1, out=out, progress=False, on_code_change="continue")
    m = json.loads((out / "manifest.json").read_text())
    assert m["status"] == "complete" and m["provenance"]["code_changes"][0]["code_fingerprint"] == "0" * 64


def test_a_failing_run_stops_the_sweep_with_its_key(tmp_path):
    failing = SPEC.replace("  noise: 0.05\n", "  noise: 0.05\n  fail: [0.0, 1.0]\n")
    with pytest.raises(SweepError, match=r"run toy/deterrence/point 6/replicate 0 \(seed \d+, parameters .*fail': 1.0.*\) "
                                         r"failed: RuntimeError: the toy model was asked to fail"):
        run_sweep(spec_file(tmp_path, failing), workers=1, out=tmp_path / "out", progress=False)
    assert committed_chunks(tmp_path / "out")  # what finished before the failure is kept


def test_an_unknown_summary_found_at_run_time_names_the_line(tmp_path, monkeypatch):
    import sweep_toy
    from sim.runs import sweep

    monkeypatch.setattr(sweep_toy.ToyBackend, "observables", lambda self: None)  # as a model that cannot tell early
    spec = spec_file(tmp_path, SPEC.replace("tension@final", "tenson@final"))
    with pytest.raises(sweep.SpecError, match=r"spec.yaml:\d+: unknown observable 'tenson' \(did you mean 'tension'\?\)"):
        run_sweep(spec, executor=sweep_executor(), out=tmp_path / "out", progress=False)


def sweep_executor():
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(1)  # in-process, so that the monkeypatch applies


def test_load_results_names_an_unknown_column_in_one_line(reference):
    assert list(load_results(reference, "steps", columns=["world", "tension"]).columns) == ["world", "tension"]
    with pytest.raises(SweepError, match=r"no column 'tensoin' \(did you mean 'tension'\?\)"):
        load_results(reference, "steps", columns=["world", "tensoin"])
