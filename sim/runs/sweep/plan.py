"""The plan of a sweep: its design (grid, Latin hypercube, Sobol', Morris), its ordered runs, their seeds and
their chunks.

:func:`plan_sweep` turns a spec into a :class:`SweepPlan`: an ordered list of runs, each identified by its
*key* (scenario, world, design point, replicate), computed by index and grouped into fixed chunks. Each
run's seed is derived from the sweep seed and its key (:func:`derive_seed`), never from the order in which
runs finish, the executor or the number of workers.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.runs.sweep.spec import Range, SweepSpec, load_spec



def derive_seed(sweep_seed: int, *key: Any) -> int:
    """A run's seed from the sweep seed and the run's key: stable across processes, machines and
    ``PYTHONHASHSEED`` (SHA-256 of the key text, then ``numpy.random.SeedSequence``). 32-bit, non-negative."""
    digest = hashlib.sha256("\x1f".join(str(k) for k in key).encode("utf-8")).digest()
    words = [int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)]
    return int(np.random.SeedSequence(entropy=int(sweep_seed), spawn_key=words).generate_state(1, np.uint32)[0])


def salib_problem(ranges: Mapping[str, Range]) -> dict:
    names = list(ranges)
    return {"num_vars": len(names), "names": names, "bounds": [[ranges[n].low, ranges[n].high] for n in names]}


def sample_design(spec: SweepSpec) -> np.ndarray:
    """The sampled part of the design: one row per sample, one column per ranged parameter (spec order)."""
    if spec.sampler == "grid":
        return np.zeros((1, 0))
    problem = salib_problem(spec.ranges)
    design_seed = derive_seed(spec.seed, "design", spec.sampler)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec.sampler == "latin":
            from SALib.sample import latin

            x = latin.sample(problem, spec.samples, seed=design_seed)
        elif spec.sampler == "sobol":
            from SALib.sample import sobol

            x = sobol.sample(problem, spec.samples, calc_second_order=spec.second_order, seed=design_seed)
        else:
            from SALib.sample import morris

            x = morris.sample(problem, spec.samples, num_levels=spec.levels, seed=design_seed)
    return np.asarray(x, dtype=float)


def design_size_formula(spec: SweepSpec) -> str:
    d = len(spec.ranges)
    n = spec.samples
    if spec.sampler == "sobol":
        return (f"N·(2D+2) = {n}·(2·{d}+2) = {n * (2 * d + 2)}" if spec.second_order
                else f"N·(D+2) = {n}·({d}+2) = {n * (d + 2)}")
    if spec.sampler == "morris":
        return f"N·(D+1) = {n}·({d}+1) = {n * (d + 1)}"
    if spec.sampler == "latin":
        return f"N = {n}"
    return "1"


@dataclass(frozen=True)
class Run:
    index: int
    scenario: int  # index into plan.scenarios
    world: str
    point: int
    cell: int
    sample: int
    replicate: int
    seed: int
    parameters: dict


class SweepPlan:
    """The ordered runs of a sweep, computed by index (never all materialised), and their chunks.

    Order: scenario, world, design point (grid cell, then sample), replicate. Chunk ``c`` holds runs
    ``c*chunk_size`` to ``(c+1)*chunk_size - 1``.
    """

    def __init__(self, spec: SweepSpec):
        self.spec = spec
        self.grid_names = list(spec.grid)
        self.range_names = list(spec.ranges)
        self.cells = list(itertools.product(*spec.grid.values())) if spec.grid else [()]
        self.samples = sample_design(spec)
        self.n_samples = len(self.samples)
        self.n_points = len(self.cells) * self.n_samples
        self.n_runs = len(spec.scenarios) * len(spec.worlds) * self.n_points * spec.seeds
        self.chunk_size = spec.chunk_size or default_chunk_size(self.n_runs)
        self.n_chunks = math.ceil(self.n_runs / self.chunk_size)
        self.parameter_names = list(spec.fixed) + self.grid_names + self.range_names

    def point_parameters(self, point: int) -> tuple[int, int, dict]:
        cell, sample = divmod(point, self.n_samples)
        params = dict(self.spec.fixed)
        params.update(zip(self.grid_names, self.cells[cell]))
        params.update((n, float(v)) for n, v in zip(self.range_names, self.samples[sample]))
        return cell, sample, params

    def run(self, index: int) -> Run:
        spec = self.spec
        rest, replicate = divmod(index, spec.seeds)
        rest, point = divmod(rest, self.n_points)
        scen, w = divmod(rest, len(spec.worlds))
        world = spec.worlds[w]
        cell, sample, params = self.point_parameters(point)
        scenario_name = spec.scenarios[scen].name
        if spec.paired:
            seed = derive_seed(spec.seed, "replicate", replicate)
        else:
            seed = derive_seed(spec.seed, "run", scenario_name, world, point, replicate)
        return Run(index, scen, world, point, cell, sample, replicate, seed, params)

    def chunk(self, c: int) -> list[Run]:
        lo = c * self.chunk_size
        return [self.run(i) for i in range(lo, min(lo + self.chunk_size, self.n_runs))]

    def chunk_len(self, c: int) -> int:
        return min(self.chunk_size, self.n_runs - c * self.chunk_size)

    def describe(self) -> str:
        spec = self.spec
        parts = [f"{len(spec.scenarios)} scenario(s)", f"{len(spec.worlds)} world(s)"]
        if spec.grid:
            parts.append(f"{len(self.cells)} grid cells ({' × '.join(str(len(v)) for v in spec.grid.values())})")
        if spec.sampler != "grid":
            parts.append(f"{self.n_samples} {spec.sampler} points [{design_size_formula(spec)}, D={len(spec.ranges)}]")
        parts.append(f"{spec.seeds} seed(s) ({'paired' if spec.paired else 'independent'})")
        return (f"sweep {spec.name}: " + " × ".join(parts) + f" = {self.n_runs} runs in {self.n_chunks} chunks of "
                f"{self.chunk_size}")


def default_chunk_size(n_runs: int) -> int:
    """About 64 chunks (more for large sweeps), each of 1 to 256 runs. A chunk is one batched call of the
    engine, whose cost per run falls with the batch until ~256 runs and not beyond (docs/performance.md,
    "Engine"), so large sweeps take chunks of 256 and a worker's memory stays that of one such batch however
    many runs; an interruption loses at most the chunks in flight (about a second of work each); 2-32 workers
    stay busy on sweeps of a few thousand runs. Depends only on the sweep's size, never on the executor, so
    that the part files do not either."""
    return max(1, min(256, math.ceil(n_runs / 64)))


def plan_sweep(spec_path: str | os.PathLike, model: str | None = None) -> SweepPlan:
    return SweepPlan(load_spec(spec_path, model=model))

