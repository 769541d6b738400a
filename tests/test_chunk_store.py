"""The one chunk-store driver (sim.runs.sweep.store.run_chunks) on a job of its own: what it records in the
manifest however a session ends, which chunks it runs, and what it leaves to its callers (sweeps and
calibrations are tested through it in test_sweep_run.py and test_calibrate.py)."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from sim.runs.sweep.spec import SweepError
from sim.runs.sweep.store import ChunkJob, _atomic_write, _DirLock, committed_chunks, run_chunks


@dataclass
class Result:
    n_runs: int
    seconds: float
    data: bytes


def work(c: int) -> Result:
    if c == 4:
        raise RuntimeError("chunk 4 fails")
    return Result(2, 0.5, f"chunk {c}".encode())


def job(out: Path, n_chunks=4, **over) -> ChunkJob:
    plan = SimpleNamespace(n_chunks=n_chunks, n_runs=2 * n_chunks, chunk_len=lambda c: 2, spec=SimpleNamespace(name="t"))
    out.mkdir(exist_ok=True)

    def prepare():
        (out / "parts").mkdir(exist_ok=True)
        m = out / "manifest.json"
        return json.loads(m.read_text()) if m.exists() else {"sessions": [], "status": "incomplete", "runs_done": 0}

    fields = dict(prepare=prepare, committed=lambda: committed_chunks(out, "parts"), tasks=lambda: lambda c: c,
                  worker=work, commit=lambda c, r: _atomic_write(out / "parts" / f"part-{c:06d}.parquet", r.data))
    return ChunkJob(out, plan, **{**fields, **over})


def run(j: ChunkJob, **kw):
    run_chunks(j, ThreadPoolExecutor(2), progress=False, command="test", **kw)
    return json.loads((j.out / "manifest.json").read_text())


def test_sessions_resume_and_the_status_of_an_idle_session(tmp_path):
    m = run(job(tmp_path), max_chunks=3)
    assert committed_chunks(tmp_path, "parts") == {0, 1, 2} and (m["status"], m["runs_done"]) == ("incomplete", 6)
    s = m["sessions"][0]
    assert list(s) == ["started", "command", "executor", "runs_before", "runs_after", "status", "seconds",
                       "compute_seconds", "finished"]
    assert (s["runs_before"], s["runs_after"], s["status"], s["compute_seconds"]) == (0, 6, "partial", 1.5)
    assert "ThreadPoolExecutor (given)" in s["executor"]
    assert run(job(tmp_path), max_chunks=0)["sessions"][-1]["status"] == "partial"  # judged by the parts
    idle = run(job(tmp_path, idle_is_complete=True), max_chunks=0)["sessions"][-1]
    assert (idle["status"], idle["executor"]) == ("complete", None)  # the sweep's reading: nothing to run
    stamp = (tmp_path / "parts" / "part-000000.parquet").stat().st_mtime_ns
    m = run(job(tmp_path, finish=lambda m, s: s.update(extra=1)))
    assert (m["status"], m["runs_done"]) == ("complete", 8) and m["sessions"][-1]["extra"] == 1
    assert (m["sessions"][-1]["runs_before"], m["sessions"][-1]["status"]) == (6, "complete")
    assert (tmp_path / "parts" / "part-000000.parquet").stat().st_mtime_ns == stamp  # not run again


def test_done_can_ask_more_than_a_committed_part(tmp_path):
    run(job(tmp_path))
    m = run(job(tmp_path, done=lambda: {0, 1, 3}))  # chunk 2 is run again, the others are not
    assert m["sessions"][-1]["runs_before"] == 6 and m["sessions"][-1]["compute_seconds"] == 0.5


def test_ctrl_c_keeps_what_finished_and_says_how_to_resume(tmp_path, capsys):
    made = []

    def commit(c, r):  # Ctrl-C on the third commit, whichever chunk finishes third (threads finish in any order)
        if len(made) == 2:
            raise KeyboardInterrupt
        made.append(c)
        _atomic_write(tmp_path / "parts" / f"part-{c:06d}.parquet", r.data)

    with pytest.raises(KeyboardInterrupt):
        run(job(tmp_path, commit=commit))
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["sessions"][-1]["status"] == "interrupted" and m["runs_done"] == 4
    assert committed_chunks(tmp_path, "parts") == set(made)
    assert f"interrupted: 4 of 8 runs are saved in {tmp_path}; run the same command again" in capsys.readouterr().err


def test_a_failure_is_recorded_and_raised_as_it_is(tmp_path):
    first_four = threading.Event()  # chunk 4 fails only once chunks 0-3 are committed (threads finish in any order)

    def commit(c, r):
        _atomic_write(tmp_path / "parts" / f"part-{c:06d}.parquet", r.data)
        if {0, 1, 2, 3} <= committed_chunks(tmp_path, "parts"):
            first_four.set()

    def worker(c):
        if c == 4:
            first_four.wait(10)
        return work(c)

    with pytest.raises(RuntimeError, match="chunk 4 fails"):
        run(job(tmp_path, n_chunks=6, commit=commit, worker=worker))
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["sessions"][-1]["status"] == "failed" and {0, 1, 2, 3} <= committed_chunks(tmp_path, "parts")


def test_one_writer_per_folder(tmp_path):
    j = job(tmp_path)
    with _DirLock(tmp_path), pytest.raises(SweepError, match="is writing"):
        run(j)
