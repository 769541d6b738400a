"""A sweep's output directory: Parquet part files per chunk, the manifest, the driver that fills it, and
reading the results back.

Layout: ``summary/part-NNNNNN.parquet`` (one row per run) and ``steps/part-NNNNNN.parquet`` (one row per run
and quarter, if kept), one part per chunk, each written to a temporary name, fsynced and renamed; the summary
part is the commit (a run is finished iff its row is in a committed part). Data files hold no timestamps or
versions, so identical sweeps give byte-identical parts. Provenance (versions, spec and scenario hashes,
commands, timings) lives in ``manifest.json`` beside them. :func:`load_results` reads the committed parts.

:func:`run_chunks` is the one loop that fills such a folder, chunk by chunk, on an executor, resumable — for
sweeps (:func:`sim.runs.sweep.run.run_sweep`) and for a calibration's reference table
(:func:`sim.runs.calibrate.reference.run_reference`), which say what they run and how a chunk is committed
(:class:`ChunkJob`).
"""

from __future__ import annotations

import concurrent.futures as cf
from concurrent.futures.process import BrokenProcessPool
import difflib
import fcntl
import hashlib
import importlib.metadata
import io
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.runs.sweep.plan import SweepPlan, design_size_formula, salib_problem
from sim.runs.sweep.spec import FORMAT, SweepError, SweepSpec

REPO_ROOT = Path(__file__).resolve().parents[3]


# ----------------------------------------------------------------------------------------------------------
# Parquet parts
# ----------------------------------------------------------------------------------------------------------


def _parquet_bytes(df: pd.DataFrame | pa.Table) -> bytes:
    table = df if isinstance(df, pa.Table) else pa.Table.from_pandas(df, preserve_index=False)
    # no pandas metadata: it records the pandas version, and data files must not depend on versions
    table = table.replace_schema_metadata(None)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=True)
    return sink.getvalue()


def _steps_table(steps: dict[str, list[np.ndarray]]) -> pa.Table:
    """One chunk's per-step rows as an Arrow table (text columns as strings, numbers as they are)."""
    arrays = {}
    for c, parts in steps.items():
        a = np.concatenate(parts)
        arrays[c] = pa.array(a, type=pa.string()) if a.dtype.kind in "OUS" else pa.array(a)
    return pa.table(arrays)


# ----------------------------------------------------------------------------------------------------------
# The output directory
# ----------------------------------------------------------------------------------------------------------


def _part_name(c: int) -> str:
    return f"part-{c:06d}.parquet"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def committed_chunks(out: str | os.PathLike, table: str = "summary") -> set[int]:
    """Chunks whose part is on disk in ``out/table`` (a sweep's run is finished iff its row is in one of its
    summary parts)."""
    done = set()
    d = Path(out) / table
    if d.is_dir():
        for p in d.iterdir():
            m = re.match(r"^part-(\d{6})\.parquet$", p.name)
            if m:
                done.add(int(m.group(1)))
    return done


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("mesa", "numpy", "pandas", "pyarrow", "SALib", "dask", "distributed", "PyYAML", "networkx"):
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            pass
    return out


# modules that analyse finished tables and never change a run's rows: editing them is no "code change"
ANALYSIS_ONLY = ("runs/analyze.py", "runs/sweep/analysis.py", "runs/calibrate/abc.py", "runs/calibrate/recover.py",
                 "runs/calibrate/smc.py", "runs/calibrate/posterior.py", "runs/calibrate/predictive.py",
                 "runs/calibrate/membership.py")


def code_fingerprint() -> str:
    """SHA-256 over the model's code and data under sim/ (not the faces: CLI, dashboard, reports; nor the
    analysis of finished sweeps and calibrations, which never changes a run's rows)."""
    h = hashlib.sha256()
    root = REPO_ROOT / "sim"
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if (not p.is_file() or "__pycache__" in rel or rel.startswith("faces/")
                or rel in ANALYSIS_ONLY
                or p.suffix not in (".py", ".csv", ".yaml", ".yml", ".json")):
            continue
        h.update(rel.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def _git_commit() -> dict:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "sim"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10)
        return {"commit": head.stdout.strip() or None if head.returncode == 0 else None,
                "dirty": bool(dirty.stdout.strip()) if dirty.returncode == 0 else None}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def _sweep_hash(spec: SweepSpec) -> str:
    return hashlib.sha256(json.dumps(spec.identity(), sort_keys=True, default=str).encode()).hexdigest()


def _write_manifest(out: Path, manifest: dict) -> None:
    _atomic_write(out / "manifest.json", (json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n").encode())


def read_manifest(run_dir: str | os.PathLike) -> dict:
    p = Path(run_dir) / "manifest.json"
    if not p.is_file():
        raise SweepError(f"{run_dir}: not a sweep directory (no manifest.json)")
    return json.loads(p.read_text())


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _new_manifest(plan: SweepPlan, out: Path) -> dict:
    spec = plan.spec
    return {
        "format": FORMAT,
        "name": spec.name,
        "description": spec.description,
        "spec_path": str(spec.path),
        "spec_sha256": spec.spec_sha256,
        "sweep_hash": _sweep_hash(spec),
        "spec": spec.identity(),
        "scenarios": [{"name": s.name, "hash": s.hash, "path": s.path} for s in spec.scenarios],
        "design": {
            "sampler": spec.sampler,
            "n": spec.samples,
            "D": len(spec.ranges),
            "size_formula": design_size_formula(spec),
            "ranged": {k: [v.low, v.high] for k, v in spec.ranges.items()},
            "grid": spec.grid,
            "fixed": spec.fixed,
            "cells": len(plan.cells),
            "samples_per_cell": plan.n_samples,
            "points": plan.n_points,
            "second_order": spec.second_order,
            "levels": spec.levels,
            "problem": salib_problem(spec.ranges) if spec.ranges else None,
        },
        "parameters": plan.parameter_names,
        "summaries": [s.text for s in spec.summaries],
        "steps": spec.steps,
        "runs": plan.n_runs,
        "chunk_size": plan.chunk_size,
        "chunks": plan.n_chunks,
        "describe": plan.describe(),
        "provenance": {"versions": _versions(), "code_fingerprint": code_fingerprint(), "git": _git_commit(),
                       "platform": platform.platform()},
        "sessions": [],
        "status": "incomplete",
        "runs_done": 0,
    }


class _DirLock:
    def __init__(self, out: Path):
        self.path = out / ".lock"
        self.fd = None

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(self.fd, 64, 0).decode(errors="replace").strip()
            os.close(self.fd)
            raise SweepError(f"another sweep (pid {other or '?'}) is writing {self.path.parent}; wait for it "
                             "or choose another --out") from None
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, str(os.getpid()).encode(), 0)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)


def read_same_manifest(out: Path, mpath: Path, fmt: str, kind: str, noun: str, hash_key: str, expected: str,
                       identity: dict) -> dict:
    """The manifest of an existing output folder, if it holds this same job (its format and its spec's hash);
    a one-line error naming what differs otherwise. Shared by sweeps and calibrations (resumable stores)."""
    try:
        manifest = json.loads(mpath.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SweepError(f"{mpath}: unreadable manifest ({exc}); delete {out} to start again") from None
    if manifest.get("format") != fmt:
        raise SweepError(f"{out} holds something else than {kind}; choose another --out")
    if manifest.get(hash_key) != expected:
        old = manifest.get("spec", {})
        diff = sorted(k for k in set(old) | set(identity) if json.dumps(old.get(k), default=str)
                      != json.dumps(identity.get(k), default=str))
        raise SweepError(f"{out} holds a different {noun} ({manifest.get('name')!r}; differs in: "
                         f"{', '.join(diff) or 'the spec'}); choose another --out or delete it")
    return manifest


def _prepare_out(plan: SweepPlan, out: Path, on_code_change: str) -> dict:
    """Create the directory or check that it holds this same sweep; clean half-written files."""
    spec = plan.spec
    out.mkdir(parents=True, exist_ok=True)
    mpath = out / "manifest.json"
    if mpath.exists():
        manifest = read_same_manifest(out, mpath, FORMAT, f"a {FORMAT} sweep", "sweep", "sweep_hash",
                                      _sweep_hash(spec), spec.identity())
        check_code(manifest, out, on_code_change)
    else:
        if any(p.name != ".lock" for p in out.iterdir()):
            raise SweepError(f"{out} is not empty and holds no sweep manifest; choose another --out")
        manifest = _new_manifest(plan, out)
    for sub in ("summary", "steps"):
        clean_parts(out / sub)
    # a steps part without its summary part is not committed: it will be rewritten
    return manifest


def check_code(manifest: dict, out: Path, on_code_change: str) -> None:
    """Refuse to add runs to ``out`` if the model's code changed since it was started (they would mix two
    versions), unless ``on_code_change="continue"``: then record the change in the manifest."""
    fp = code_fingerprint()
    if manifest["provenance"].get("code_fingerprint") != fp:
        if on_code_change == "error":
            raise SweepError(f"the model's code under sim/ changed since {out} was started, so its runs would "
                             "mix two versions; choose another --out, delete it, or allow the code change")
        manifest["provenance"].setdefault("code_changes", []).append({"at": _now(), "code_fingerprint": fp})


def clean_parts(d: Path) -> None:
    """Create the parts folder ``d``, or delete the parts half-written in it when a run was interrupted."""
    d.mkdir(parents=True, exist_ok=True)
    for p in d.iterdir():
        if p.name.startswith(".") and ".tmp-" in p.name:
            p.unlink()


def default_out(spec: SweepSpec) -> Path:
    return Path("runs") / "sweeps" / spec.name


# ----------------------------------------------------------------------------------------------------------
# The driver: runs the chunks not yet committed, commits each as it finishes
# ----------------------------------------------------------------------------------------------------------


@dataclass
class ChunkJob:
    """What a resumable job in chunks tells :func:`run_chunks`: its folder and plan, and the few steps that
    differ between jobs. Called in the main process, except ``worker``."""

    out: Path
    plan: Any  # n_chunks, n_runs, chunk_len(c), spec.name (the progress bar's label)
    prepare: Callable[[], dict]  # under the lock: create the folder or check it holds this job; its manifest
    committed: Callable[[], set[int]]  # the chunks whose commit (last part written) is on disk
    tasks: Callable[[], Callable[[int], Any]]  # called once if anything is to run: chunk -> the worker's task
    worker: Callable[[Any], Any]  # task -> result with .n_runs and .seconds (in a worker process)
    commit: Callable[[int, Any], None]  # write a finished chunk's parts atomically, the commit last
    done: Callable[[], set[int]] | None = None  # the chunks not to run again, if not all those committed
    finish: Callable[[dict, dict], None] | None = None  # (manifest, session): more to record at the end
    smoothing: float = 0.1  # of the progress bar's rate
    idle_is_complete: bool = False  # a session that had nothing to run (max_chunks=0) is "complete", not "partial"


def run_chunks(job: ChunkJob, executor: str | cf.Executor = "local", workers: int | None = None,
               scheduler: str | None = None, progress: bool = True, *, command: str | None = None,
               max_chunks: int | None = None) -> None:
    """Run the chunks of ``job`` not yet done in ``job.out`` on an executor (``"local"``, ``"dask"`` or any
    ``concurrent.futures.Executor``: :func:`sim.runs.executors.open_executor`), at most two per worker slot
    in flight, and commit each one as it finishes; at most ``max_chunks`` new chunks.

    One writer per folder (a lock file). Each call is a session in the manifest (command, executor, runs
    before and after, seconds, status: ``running`` while it runs — what a ``kill -9`` leaves —, then
    ``complete``, ``partial``, ``interrupted`` or ``failed``); the manifest's ``runs_done`` and ``status``
    are written however the session ends. On Ctrl-C what finished is kept, a line says how to resume and
    ``KeyboardInterrupt`` is raised again; a dead worker process is a one-line :class:`SweepError`.
    """
    from tqdm.auto import tqdm

    from sim.runs.executors import open_executor

    plan, out = job.plan, job.out
    with _DirLock(out):
        manifest = job.prepare()
        done = {c for c in (job.done or job.committed)() if c < plan.n_chunks}
        todo = [c for c in range(plan.n_chunks) if c not in done]
        if max_chunks is not None:
            todo = todo[:max_chunks]
        before = sum(plan.chunk_len(c) for c in done)
        session = {"started": _now(), "command": command or " ".join(sys.argv), "executor": None,
                   "runs_before": before, "runs_after": before, "status": "running", "seconds": None,
                   "compute_seconds": 0.0}
        manifest["sessions"].append(session)
        _write_manifest(out, manifest)
        t0 = time.perf_counter()
        status = "failed"
        bar = tqdm(total=plan.n_runs, initial=before, unit="run", desc=plan.spec.name, disable=not progress,
                   dynamic_ncols=True, smoothing=job.smoothing, file=sys.stderr)
        try:
            if todo:
                task = job.tasks()
                with open_executor(executor, workers, scheduler) as handle:
                    session["executor"] = handle.description
                    _write_manifest(out, manifest)
                    _submit_and_commit(job, task, todo, handle, bar, session)
            idle = job.idle_is_complete and not todo
            status = "complete" if idle or len(job.committed()) >= plan.n_chunks else "partial"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            bar.close()
            session["seconds"] = round(time.perf_counter() - t0, 3)
            session["finished"] = _now()
            session["status"] = status
            manifest["runs_done"] = sum(plan.chunk_len(c) for c in job.committed() if c < plan.n_chunks)
            manifest["status"] = "complete" if manifest["runs_done"] == plan.n_runs else "incomplete"
            session["runs_after"] = manifest["runs_done"]
            if job.finish is not None:
                job.finish(manifest, session)
            _write_manifest(out, manifest)
            if status == "interrupted":
                print(f"\ninterrupted: {manifest['runs_done']} of {plan.n_runs} runs are saved in {out}; run the "
                      "same command again to finish", file=sys.stderr)


def _submit_and_commit(job: ChunkJob, task: Callable[[int], Any], todo: list[int], handle, bar,
                       session: dict) -> None:
    """Keep the executor busy with the chunks of ``todo``, in order, and commit each as it finishes (those
    finishing together in chunk order). Whatever stops this cancels the chunks not started."""
    ex = handle.executor
    pending = iter(todo)
    in_flight: dict[cf.Future, int] = {}

    def submit_more():
        cap = 2 * handle.capacity()
        while len(in_flight) < cap:
            c = next(pending, None)
            if c is None:
                return
            in_flight[ex.submit(job.worker, task(c))] = c

    try:
        submit_more()
        while in_flight:
            finished, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
            for fut in sorted(finished, key=lambda f: in_flight[f]):
                c = in_flight.pop(fut)
                try:
                    res = fut.result()
                except BrokenProcessPool:
                    raise SweepError("a worker process died (out of memory or killed); finished chunks are saved: "
                                     "run the same command again to resume") from None
                job.commit(c, res)
                session["compute_seconds"] = round(session["compute_seconds"] + res.seconds, 3)
                bar.update(res.n_runs)
            submit_more()
    except BaseException:
        for fut in in_flight:
            fut.cancel()
        raise


# ----------------------------------------------------------------------------------------------------------
# Reading results
# ----------------------------------------------------------------------------------------------------------


def load_results(run_dir: str | os.PathLike, table: str = "summary", columns: Sequence[str] | None = None,
                 filters=None) -> pd.DataFrame:
    """The results of a sweep as one frame, in run order (whatever order the chunks finished in).

    ``table``: ``"summary"`` (one row per run: key, seed, parameters, summaries) or ``"steps"`` (one row
    per run and quarter). Only committed parts are read, so this works on a sweep still running.
    """
    if table not in ("summary", "steps"):
        raise ValueError(f"table is 'summary' or 'steps', not {table!r}")
    d = Path(run_dir) / table
    parts = sorted(p for p in d.glob("part-*.parquet")) if d.is_dir() else []
    if not parts:
        if not (Path(run_dir) / "manifest.json").exists():
            raise SweepError(f"{run_dir}: not a sweep directory (no manifest.json)")
        return pd.DataFrame()
    if columns:
        have = pq.read_schema(parts[0]).names
        unknown = [c for c in columns if c not in have]
        if unknown:
            near = difflib.get_close_matches(unknown[0], have, n=1)
            raise SweepError(f"{run_dir}: the {table} table has no column {unknown[0]!r}"
                             + (f" (did you mean {near[0]!r}?)" if near else "")
                             + f"; it has: {', '.join(have)}")
    frames = [pq.read_table(p, columns=list(columns) if columns else None, filters=filters).to_pandas()
              for p in parts]
    return pd.concat(frames, ignore_index=True)
