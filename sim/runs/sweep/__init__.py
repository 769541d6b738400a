"""Parameter sweeps: specification, sampling, execution on any executor, chunked Parquet results, resume.

A sweep is described by a YAML file in ``experiments/`` (format: docs/sweeps.md). The package is split by job:

- :mod:`~sim.runs.sweep.spec` — :func:`load_spec` reads and validates a spec (one-line errors naming the
  file, the line and the problem), the summaries it keeps (:func:`parse_summary`, :func:`compute_summaries`)
  and the models it may name (:class:`Backend`, :func:`register_model`);
- :mod:`~sim.runs.sweep.plan` — :func:`plan_sweep` turns a spec into a :class:`SweepPlan`: the design (grid,
  Latin hypercube, Sobol', Morris), the ordered runs with their seeds (:func:`derive_seed`), the chunks;
- :mod:`~sim.runs.sweep.run` — :func:`run_sweep` runs the chunks not yet on disk on an executor (local
  pool or Dask, :mod:`sim.runs.executors`) through the shared driver; :func:`~sim.runs.sweep.run.evaluate_chunk`
  is the one place where a sweep runs the project's model;
- :mod:`~sim.runs.sweep.store` — Parquet part files per chunk, the manifest, :func:`load_results`, and
  :func:`~sim.runs.sweep.store.run_chunks`, the one resumable chunk driver (lock, sessions, executor, atomic
  commits, progress, Ctrl-C) that sweeps and calibrations (:mod:`sim.runs.calibrate.reference`) share;
- :mod:`~sim.runs.sweep.analysis` — the outcome table and sensitivity indices (SALib) of a sweep; the HTML
  report is :mod:`sim.runs.analyze`.

``python -m sim.runs.sweep SPEC`` runs a sweep as ``spiral sweep`` does.
"""

from __future__ import annotations

from sim.runs.sweep.plan import (
    Run,
    SweepPlan,
    default_chunk_size,
    derive_seed,
    design_size_formula,
    plan_sweep,
    salib_problem,
    sample_design,
)
from sim.runs.sweep.run import ChunkResult, ChunkTask, evaluate_chunk, main, run_chunk, run_sweep
from sim.runs.sweep.spec import (
    BACKENDS,
    FORMAT,
    KEY_COLUMNS,
    MAX_CHUNK_SIZE,
    SAMPLERS,
    SUMMARY_AGGREGATES,
    TOP_KEYS,
    Backend,
    LoadedScenario,
    ParamSpec,
    Range,
    RunFailed,
    SpecError,
    SpiralBackend,
    Summary,
    SweepError,
    SweepSpec,
    UnknownObservable,
    compute_summaries,
    load_spec,
    parse_summary,
    register_model,
)
from sim.runs.sweep.store import code_fingerprint, committed_chunks, default_out, load_results, read_manifest

__all__ = [
    "BACKENDS", "FORMAT", "KEY_COLUMNS", "MAX_CHUNK_SIZE", "SAMPLERS", "SUMMARY_AGGREGATES", "TOP_KEYS",
    "Backend", "ChunkResult", "ChunkTask", "LoadedScenario", "ParamSpec", "Range", "Run", "RunFailed",
    "SpecError", "SpiralBackend", "Summary", "SweepError", "SweepPlan", "SweepSpec", "UnknownObservable",
    "code_fingerprint", "committed_chunks", "compute_summaries", "default_chunk_size", "default_out",
    "derive_seed", "design_size_formula", "evaluate_chunk", "load_results", "load_spec", "main",
    "parse_summary", "plan_sweep", "read_manifest", "register_model", "run_chunk", "run_sweep",
    "salib_problem", "sample_design",
]
