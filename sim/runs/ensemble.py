"""Ensembles: worlds × seeds (paired: every world and every scenario gets the same seeds), on a process
pool, with a progress bar; results written as Parquet with a provenance manifest beside them (layer 4).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from sim.runs.single import TABLES, run_batch, run_batch_for_store
from sim.scenario import Scenario, load_scenario
from sim.worlds import WORLDS


def worlds_arg(world: str | list[str] | tuple) -> tuple[str, ...]:
    if isinstance(world, list | tuple):
        return tuple(world)
    if world == "all":
        return WORLDS
    return (world,)


def seeds_arg(seeds: int | list[int], first: int = 1) -> list[int]:
    return list(range(first, first + seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]


_WORKER_SCENARIOS: list = []
STREAMED = ("states", "beliefs")
MIN_BATCHES_FOR_PROCESSES = 16  # the large tables: written batch by batch when an output folder is given


def _init_worker(scenarios):
    """Each worker receives the scenarios once (not once per task)."""
    global _WORKER_SCENARIOS
    _WORKER_SCENARIOS = scenarios


def _task(args):
    """One batch: all its runs advanced together by the engine, returned as frames."""
    scenario, worlds, seeds, parameters, keep, store = args
    if isinstance(scenario, int):
        scenario = _WORKER_SCENARIOS[scenario]
    if store:  # the per-state tables as Arrow tables, to be written as they are
        return run_batch_for_store(scenario, list(worlds), list(seeds), parameters, keep)
    return run_batch(scenario, list(worlds), list(seeds), parameters, keep), {}


@dataclass
class Ensemble:
    """Concatenated tables of many runs, sorted by (scenario, world, seed, step) whatever the completion
    order. Tables streamed to an output folder (``states``, ``beliefs``) are None here."""

    observables: pd.DataFrame
    states: pd.DataFrame | None
    beliefs: pd.DataFrame | None
    events: pd.DataFrame
    decisions: pd.DataFrame | None
    streamed: dict | None = None  # file name -> sha256[:16] of tables already written

    def table(self, name):
        return getattr(self, name)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def batch_size(keep) -> int:
    """Runs per engine batch. Measured (docs/performance.md, benchmarks/bench_engine.py): the per-run cost
    of the engine falls until ~256 runs a batch and is flat beyond; keeping the per-state tables costs
    ~2 MB per run in frames, so batches that keep them stay at 64 runs. Fixed (never from the number of
    workers), so that output files are byte-identical whatever the executor."""
    return 64 if any(t in keep for t in STREAMED) else 256


class _ParquetStream:
    """Tables appended batch by batch to NAME.parquet.tmp, renamed when complete (memory stays flat)."""

    def __init__(self, out: Path):
        import pyarrow.parquet as pq
        self._pq, self.out = pq, Path(out)
        self.writers: dict = {}

    def write(self, name, table):
        w = self.writers.get(name)
        if w is None:
            self.out.mkdir(parents=True, exist_ok=True)
            # dictionary-encode the string columns only, no column statistics: a third of the write time of
            # the defaults for these tables (measured: 2.5 M rows, 1.07 s -> 0.63 s), the same size
            strings = [f.name for f in table.schema if str(f.type) in ("string", "large_string")]
            w = self.writers[name] = self._pq.ParquetWriter(self.out / f"{name}.parquet.tmp", table.schema,
                                                              compression="zstd", use_dictionary=strings,
                                                              write_statistics=False)
        w.write_table(table)

    def close(self) -> dict:
        files = {}
        for name, w in self.writers.items():
            w.close()
            path = self.out / f"{name}.parquet"
            os.replace(self.out / f"{name}.parquet.tmp", path)
            files[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        return files


def run_ensemble(scenarios, worlds="all", seeds: int | list[int] = 10, parameters: dict | None = None,
                 keep=TABLES, workers: int | None = None, progress: bool = True, desc: str = "runs",
                 out: Path | None = None) -> Ensemble:
    """Run every scenario × world × seed, in batches of the engine over a process pool. ``scenarios``: one
    or several Scenario objects or paths. ``parameters``: one dict for every run, or a callable giving each
    run's own from (world, seed) (the same for every scenario, so runs stay paired). With ``out``, the large
    per-state tables are written there batch by batch as Parquet (and are None in the returned Ensemble), so
    memory stays flat however many runs."""
    if isinstance(scenarios, Scenario | str | Path):
        scenarios = [scenarios]
    scenarios = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    for s in scenarios:
        _ = s.hash  # computed once here; travels with the pickled scenario
    keep = tuple(keep)
    size = batch_size(keep)
    tasks = []
    for i, _s in enumerate(scenarios):
        runs = [(w, seed) for w in worlds_arg(worlds) for seed in seeds_arg(seeds)]
        for j in range(0, len(runs), size):
            part = runs[j:j + size]
            # parameters: one dict for every run, or a callable (world, seed) -> that run's own dict
            # (e.g. a calibrated posterior: sim.runs.calibrate.posterior.PosteriorRuns)
            params = tuple(parameters(w, sd) for w, sd in part) if callable(parameters) else parameters
            tasks.append((i, tuple(w for w, _ in part), tuple(sd for _, sd in part), params, keep,
                          out is not None))
    if workers is None:
        # processes pay off only with many batches: starting them (forkserver, imports) and sending the
        # tables back cost more than 7 batches of work (measured: 401 historical runs keeping every table,
        # 6.2 s in-process, 6.8 s on 2 processes; docs/performance.md)
        workers = default_workers() if len(tasks) >= MIN_BATCHES_FOR_PROCESSES else 1
    stream = _ParquetStream(out) if out is not None else None
    parts: dict = {name: [] for name in TABLES + ("decisions",)}
    total = sum(len(t[2]) for t in tasks)
    bar = tqdm(total=total, desc=desc, unit="run", disable=not progress, file=sys.stderr)

    def take(result, n: int):
        res, tables = result
        for name, table in tables.items():
            stream.write(name, table)
        for name in parts:
            df = getattr(res, name)
            if df is not None:
                parts[name].append(df)
        bar.update(n)

    if workers <= 1 or len(tasks) < 2:
        _init_worker(scenarios)
        for t in tasks:
            take(_task(t), len(t[2]))
    else:
        import multiprocessing
        ctx = multiprocessing.get_context("forkserver")
        from sim.runs.executors import one_blas_thread
        with one_blas_thread(), ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=ctx,
                                                    initializer=_init_worker, initargs=(scenarios,)) as pool:
            for t, res in zip(tasks, pool.map(_task, tasks)):
                take(res, len(t[2]))
    bar.close()
    frames = {name: pd.concat(p, ignore_index=True) if p else None for name, p in parts.items()}
    return Ensemble(**frames, streamed=stream.close() if stream is not None else None)


def package_versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    out = {"python": platform.python_version()}
    for pkg in ("spiral-sim", "mesa", "numpy", "pandas", "pyarrow", "networkx", "pyyaml", "plotly"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def write_parquet_tables(out: Path, tables: dict) -> dict:
    """Write each frame as NAME.parquet (atomically: temp file, then rename); returns {file: sha256[:16]}.
    Data files hold no timestamps or paths, so identical runs give byte-identical files."""
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, df in tables.items():
        if df is None:
            continue
        path = out / f"{name}.parquet"
        tmp = path.with_suffix(".parquet.tmp")
        df.to_parquet(tmp, index=False, compression="zstd")
        os.replace(tmp, path)
        files[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return files


def write_manifest(out: Path, manifest: dict, files: dict) -> None:
    """Provenance (command, scenario hash, versions, file hashes) beside the data, never inside it."""
    manifest = {**manifest, "versions": package_versions(), "files": files}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str))


def write_tables(ens: Ensemble, out: Path, manifest: dict) -> Path:
    """Write observables/states/beliefs/events/decisions.parquet and manifest.json."""
    files = write_parquet_tables(out, {name: ens.table(name) for name in TABLES + ("decisions",)})
    files.update(ens.streamed or {})
    write_manifest(out, manifest, dict(sorted(files.items())))
    return out


def read_tables(run_dir: Path) -> Ensemble:
    run_dir = Path(run_dir)
    if not (run_dir / "observables.parquet").exists():
        raise FileNotFoundError(f"{run_dir}: no observables.parquet here (is this a run directory?)")
    frames = {}
    for name in TABLES + ("decisions",):
        p = run_dir / f"{name}.parquet"
        frames[name] = pd.read_parquet(p) if p.exists() else None
    return Ensemble(**frames)
