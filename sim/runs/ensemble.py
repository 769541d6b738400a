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

from sim.runs.single import TABLES, RunResult, run_single
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


def _init_worker(scenarios):
    """Each worker receives the scenarios once (not once per task)."""
    global _WORKER_SCENARIOS
    _WORKER_SCENARIOS = scenarios


def _task(args):
    scenario, world, seed, parameters, keep = args
    if isinstance(scenario, int):
        scenario = _WORKER_SCENARIOS[scenario]
    return (scenario.name, world, seed), run_single(scenario, world, seed, parameters, keep)


@dataclass
class Ensemble:
    """Concatenated tables of many runs, sorted by (scenario, world, seed, step) whatever the completion
    order."""

    observables: pd.DataFrame
    states: pd.DataFrame | None
    beliefs: pd.DataFrame | None
    events: pd.DataFrame
    decisions: pd.DataFrame | None

    def table(self, name):
        return getattr(self, name)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def run_ensemble(scenarios, worlds="all", seeds: int | list[int] = 10, parameters: dict | None = None,
                 keep=TABLES, workers: int | None = None, progress: bool = True, desc: str = "runs") -> Ensemble:
    """Run every scenario × world × seed. ``scenarios``: one or several Scenario objects or paths."""
    if isinstance(scenarios, Scenario | str | Path):
        scenarios = [scenarios]
    scenarios = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    for s in scenarios:
        _ = s.hash  # computed once here; travels with the pickled scenario
    tasks = [(i, w, seed, parameters, tuple(keep)) for i, s in enumerate(scenarios) for w in worlds_arg(worlds)
             for seed in seeds_arg(seeds)]
    workers = default_workers() if workers is None else workers
    results: dict = {}
    bar = tqdm(total=len(tasks), desc=desc, unit="run", disable=not progress, file=sys.stderr)
    if workers <= 1 or len(tasks) < 4:
        _init_worker(scenarios)
        for t in tasks:
            key, res = _task(t)
            results[key] = res
            bar.update()
    else:
        import multiprocessing
        ctx = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(scenarios,)) as pool:
            chunk = max(1, min(8, len(tasks) // (workers * 4)))
            for key, res in pool.map(_task, tasks, chunksize=chunk):
                results[key] = res
                bar.update()
    bar.close()
    order = [(scenarios[i].name, w, seed) for i, w, seed, _, _ in tasks]
    frames = {}
    for name in TABLES + ("decisions",):
        parts = [getattr(results[k], name) for k in order if getattr(results[k], name) is not None]
        frames[name] = pd.concat(parts, ignore_index=True) if parts else None
    return Ensemble(**frames)


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
    write_manifest(out, manifest, files)
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
