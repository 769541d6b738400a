"""Running a sweep: chunks of runs on any ``concurrent.futures`` executor, committed as they finish, resumable.

:func:`run_sweep` runs the chunks that are not yet on disk on an executor (local process pool or Dask,
:mod:`sim.runs.executors`), a bounded number at a time, and commits each finished chunk as Parquet part files
— through :func:`sim.runs.sweep.store.run_chunks`, the loop it shares with a calibration's reference table;
this module says what a sweep's chunk is (:class:`ChunkTask`, :func:`run_chunk`) and how it is committed.

Guarantees:

- **Nothing lost, nothing repeated.** A run is finished iff its row is in a committed part
  (``summary/part-NNNNNN.parquet``). Re-running the same command after an interruption (Ctrl-C, a crash,
  ``kill -9``) runs only the chunks without a committed part.
- **Deterministic.** A part's content depends only on its chunk (each run's seed comes from the sweep seed
  and the run's key: :func:`sim.runs.sweep.plan.derive_seed`), never on the order in which chunks finish,
  the executor or the number of workers.
- **Flat memory.** The main process holds the design and the results of the chunks in flight, never the
  whole result table.

:func:`evaluate_chunk` is the one place where a sweep runs the project's model.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import itertools
import os
import pickle
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.runs.executors import release_free_memory
from sim.runs.sweep.plan import Run, plan_sweep
from sim.runs.sweep.spec import (
    BACKENDS,
    Backend,
    RunFailed,
    SpecError,
    Summary,
    SweepError,
    UnknownObservable,
    _columns,
    _nearest,
    compute_summaries,
)
from sim.runs.sweep.store import (
    ChunkJob,
    _atomic_write,
    _parquet_bytes,
    _part_name,
    _prepare_out,
    _steps_table,
    committed_chunks,
    default_out,
    read_manifest,
    run_chunks,
)


# ----------------------------------------------------------------------------------------------------------
# The model
# ----------------------------------------------------------------------------------------------------------


def evaluate_chunk(scenario: Any, runs: Sequence[Run], keep_steps: bool) -> Iterator[dict[str, np.ndarray]]:
    """The observables of the project's model for each of ``runs``, in their order: one dict of columns
    (``step``, ``date``, ``year`` and the model's reporters; one row per quarter) per run.

    **This is the one place where a sweep runs the spiral model**: everything else in ``sim.runs.sweep``
    only plans, stores and summarises. ``scenario`` is the compiled scenario, already cut at the sweep's
    horizon; all ``runs`` belong to it and each carries its world, seed and parameters
    (:class:`~sim.runs.sweep.plan.Run`). ``keep_steps`` says whether the sweep keeps these columns per step
    or only computes summaries from them (today unused: every run records everything).

    All runs of the chunk are one batch of the engine (:func:`sim.engine.simulate`), whatever their worlds,
    seeds and parameter values: a chunk is one batched call. The per-state tables are not kept (sweeps keep
    observables only). A failure of the batch is reported against the chunk's first run.
    """
    from sim.engine import simulate
    from sim.runs.single import observable_columns

    if not runs:
        return []
    res = simulate(scenario, [r.world for r in runs], [r.seed for r in runs],
                   [dict(r.parameters) for r in runs], keep_states=False)
    return [observable_columns(res, i) for i in range(len(runs))]


# ----------------------------------------------------------------------------------------------------------
# The worker side: one chunk -> Parquet bytes
# ----------------------------------------------------------------------------------------------------------


@dataclass
class ChunkTask:
    chunk: int
    model: str | Backend  # a registered model's name, or the backend itself (the driver sends that)
    runs: list[Run]
    scenario_names: list[str]
    scenario_blobs: dict[int, tuple[str, bytes]]  # scenario index -> (sha256 of the blob, pickled object)
    horizon: int | None
    summaries: list[Summary]
    steps: bool | list[str]
    parameter_names: list[str]


@dataclass
class ChunkResult:
    chunk: int
    n_runs: int
    summary: bytes
    steps: bytes | None
    seconds: float  # compute time in the worker (for the manifest, not the data)


_SCENARIO_CACHE: dict[str, Any] = {}


def _scenario(hash_: str, blob: bytes):
    obj = _SCENARIO_CACHE.get(hash_)
    if obj is None:
        if len(_SCENARIO_CACHE) > 8:
            _SCENARIO_CACHE.clear()
        obj = _SCENARIO_CACHE[hash_] = pickle.loads(blob)
    return obj


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Run one chunk (in a worker) and return its tables as Parquet bytes."""
    t0 = time.perf_counter()
    backend = task.model if isinstance(task.model, Backend) else BACKENDS[task.model]
    rows: list[dict] = []
    steps: dict[str, list[np.ndarray]] = {}  # column -> one array per run, concatenated once per chunk
    # the runs of a chunk are in plan order, so those of one scenario are consecutive
    for scen, group in itertools.groupby(task.runs, key=lambda r: r.scenario):
        group = list(group)
        h, blob = task.scenario_blobs[scen]
        scen_name = task.scenario_names[scen]
        results = iter(backend.evaluate(_scenario(h, blob), group, task.horizon, bool(task.steps)))
        for run in group:
            try:
                obs = next(results)
            except StopIteration:
                raise RunFailed(f"model {backend.name!r} gave no observables for run {scen_name}/{run.world}/point "
                                f"{run.point}/replicate {run.replicate}") from None
            except Exception as exc:
                raise RunFailed(
                    f"run {scen_name}/{run.world}/point {run.point}/replicate {run.replicate} (seed {run.seed}, "
                    f"parameters {run.parameters}) failed: {type(exc).__name__}: {exc}"
                ) from exc
            _add_run(rows, steps, task, run, scen_name, obs)
            del obs
        del results
    summary = _parquet_bytes(pd.DataFrame(rows))
    steps_part = _parquet_bytes(_steps_table(steps)) if task.steps else None
    del steps, rows
    release_free_memory()
    return ChunkResult(task.chunk, len(task.runs), summary, steps_part, time.perf_counter() - t0)


def _add_run(rows: list[dict], steps: dict[str, list[np.ndarray]], task: ChunkTask, run: Run, scen_name: str,
             obs) -> None:
    """One run's summary row, and its per-step rows if the sweep keeps them."""
    row = {"scenario": scen_name, "world": run.world, "point": run.point, "cell": run.cell,
           "sample": run.sample, "replicate": run.replicate, "seed": run.seed}
    for name in task.parameter_names:
        row[name] = run.parameters[name]
    cols = _columns(obs)
    row.update(compute_summaries(cols, task.summaries))
    rows.append(row)
    if task.steps:
        for c in ("world", "scenario", "seed"):
            cols.pop(c, None)
        if isinstance(task.steps, list):
            missing = [c for c in task.steps if c not in cols]
            if missing:
                raise UnknownObservable(missing[0], list(cols))
            cols = {c: cols[c] for c in [c for c in ("step", "date", "year") if c in cols and c not in task.steps]
                    + list(task.steps)}
        n = len(next(iter(cols.values())))
        key = {"scenario": np.full(n, scen_name, dtype=object), "world": np.full(n, run.world, dtype=object),
               "point": np.full(n, run.point, dtype=np.int64), "replicate": np.full(n, run.replicate, dtype=np.int64)}
        for c, a in {**key, **cols}.items():
            steps.setdefault(c, []).append(a)


# ----------------------------------------------------------------------------------------------------------
# The driver (the loop itself: sim.runs.sweep.store.run_chunks)
# ----------------------------------------------------------------------------------------------------------


def run_sweep(
    spec_path: str | os.PathLike,
    executor: str | cf.Executor = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | os.PathLike | None = None,
    progress: bool = True,
    *,
    model: str | None = None,
    on_code_change: str = "error",
    command: str | None = None,
    max_chunks: int | None = None,
) -> Path:
    """Run (or finish) the sweep described by ``spec_path``; return the output directory.

    ``executor``: ``"local"`` (process pool, ``workers`` processes, default all cores), ``"dask"`` (a new
    LocalCluster of ``workers`` processes, or the scheduler at ``scheduler``), or any
    ``concurrent.futures.Executor``. ``out`` defaults to ``runs/sweeps/<name>``. Chunks already committed in
    ``out`` are not run again. ``model`` overrides the spec's model (``"toy"`` for tests);
    ``on_code_change="continue"`` resumes even though the code under sim/ changed (recorded in the manifest);
    ``max_chunks`` stops after that many new chunks (tests, trial runs). Raises :class:`SpecError`,
    :class:`SweepError` (one-line messages) or ``KeyboardInterrupt`` (after saving what finished).
    """
    plan = plan_sweep(spec_path, model=model)
    spec = plan.spec
    out = Path(out) if out is not None else default_out(spec)
    out.mkdir(parents=True, exist_ok=True)

    def done() -> set[int]:  # a chunk whose steps part is missing is run again
        return {c for c in committed_chunks(out) if not spec.steps or (out / "steps" / _part_name(c)).exists()}

    def tasks():
        # keyed by the blob's own digest: a long-lived (Dask) worker caches the unpickled scenario, and the
        # same scenario cut at another horizon by another sweep must not hit that cache
        scen_blobs = {}
        for i, s in enumerate(spec.scenarios):
            blob = pickle.dumps(s.obj, protocol=pickle.HIGHEST_PROTOCOL)
            scen_blobs[i] = (hashlib.sha256(blob).hexdigest(), blob)
        names = [s.name for s in spec.scenarios]

        def task(c: int) -> ChunkTask:
            runs = plan.chunk(c)
            used = {r.scenario for r in runs}
            return ChunkTask(c, spec.backend, runs, names, {i: scen_blobs[i] for i in used}, spec.horizon,
                             spec.summaries, spec.steps, plan.parameter_names)
        return task

    def commit(c: int, res: ChunkResult) -> None:
        if res.steps is not None:
            _atomic_write(out / "steps" / _part_name(c), res.steps)
        _atomic_write(out / "summary" / _part_name(c), res.summary)  # the commit

    job = ChunkJob(out, plan, prepare=lambda: _prepare_out(plan, out, on_code_change),
                   committed=lambda: committed_chunks(out), tasks=tasks, worker=run_chunk, commit=commit, done=done,
                   idle_is_complete=True)
    try:
        run_chunks(job, executor, workers, scheduler, progress, command=command, max_chunks=max_chunks)
    except UnknownObservable as exc:  # raised in a worker: name the spec's line
        s = next((s for s in spec.summaries if s.var == exc.name), None)
        line = spec.summary_line(s) if s else spec.source.line(("keep",))
        problem = exc.problem or f"unknown observable {exc.name!r}{_nearest(exc.name, exc.available)}"
        raise SpecError(f"{spec.path}:{line}: {problem}") from None
    except RunFailed as exc:
        raise SweepError(str(exc)) from None
    return out


# ----------------------------------------------------------------------------------------------------------
# python -m sim.runs.sweep SPEC  (the same as `spiral sweep`, for tests and before the CLI has it)
# ----------------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m sim.runs.sweep", description="Run or resume a parameter sweep.")
    ap.add_argument("spec")
    ap.add_argument("--executor", default="local", choices=["local", "dask"])
    ap.add_argument("--workers", type=int)
    ap.add_argument("--scheduler")
    ap.add_argument("--out")
    ap.add_argument("--model", help=f"override the spec's model ({', '.join(BACKENDS)})")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--dry-run", action="store_true", help="validate and describe the sweep, run nothing")
    ap.add_argument("--allow-code-change", action="store_true")
    ap.add_argument("--max-chunks", type=int)
    args = ap.parse_args(argv)
    from sim.runs.executors import ExecutorError

    try:
        if args.dry_run:
            print(plan_sweep(args.spec, model=args.model).describe())
            return 0
        out = run_sweep(args.spec, executor=args.executor, workers=args.workers, scheduler=args.scheduler,
                        out=args.out, progress=not args.no_progress, model=args.model,
                        on_code_change="continue" if args.allow_code_change else "error",
                        command="python -m sim.runs.sweep " + " ".join(argv if argv is not None else sys.argv[1:]),
                        max_chunks=args.max_chunks)
    except (SpecError, SweepError, ExecutorError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    m = read_manifest(out)
    print(f"{m['runs_done']} of {m['runs']} runs in {out}")
    return 0
