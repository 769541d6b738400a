"""The prior design of a calibration: ONE table of parameter vectors, the same rows for every world.

Draw ``k`` is the same parameter vector in every world (paired draws: a difference between two worlds on the
same draw is the worlds' difference, not the prior's), and seed ``j`` of draw ``k`` is the same engine seed in
every world (:func:`run_seed`). Each free parameter is uniform on its prior interval
(:attr:`CalibrationSpec.bounds`), or arcsine-distributed on it (``prior.shape``: Beta(1/2, 1/2), the wider
prior of the sensitivity check); the design is a scrambled Sobol' sequence (Owen 1998 scrambling, scipy's
``qmc.Sobol``) or a Latin hypercube (``qmc.LatinHypercube``), seeded by ``design_seed``. A type is never a
free parameter (the spec refuses ``order_weight`` and ``greed``).

The null model (:mod:`sim.runs.calibrate.null`) has parameters of its own: :func:`null_draws` asks it for
the same number of draws (equal budget).
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd

from sim.runs.calibrate.spec import CalibrationSpec


def unit_design(n: int, d: int, sampler: str, seed: int) -> np.ndarray:
    """``[n, d]`` points in the unit cube: scrambled Sobol' (the first n points of the sequence) or LHS."""
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "balance properties of Sobol' points require n to be a power of 2"
        if sampler == "sobol":
            return qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed)).random(n)
        if sampler == "lhs":
            return qmc.LatinHypercube(d, rng=np.random.default_rng(seed)).random(n)
    raise ValueError(f"unknown sampler {sampler!r}")


def draws(spec: CalibrationSpec) -> pd.DataFrame:
    """The prior draws: columns ``draw`` (0..draws-1) and one per free parameter (``spec.free`` order)."""
    x = unit_design(spec.draws, len(spec.free), spec.sampler, spec.design_seed)
    if spec.shape == "arcsine":  # Beta(1/2, 1/2) quantile: the same points, moved to the ends
        x = np.sin(0.5 * np.pi * x) ** 2
    lo = np.array([spec.bounds[n][0] for n in spec.free])
    hi = np.array([spec.bounds[n][1] for n in spec.free])
    vals = lo + x * (hi - lo)
    out = pd.DataFrame(vals, columns=list(spec.free))
    out.insert(0, "draw", np.arange(spec.draws, dtype=np.int64))
    return out


def null_draws(spec: CalibrationSpec) -> pd.DataFrame:
    """The null model's own prior draws, as many as the worlds' (equal budget): ``draw`` + its parameters.
    Raises ImportError when the null model is not there."""
    from sim.runs.calibrate.null import null_draws as _null

    out = _null(spec.draws, spec.design_seed)
    if "draw" not in out:
        out = out.copy()
        out.insert(0, "draw", np.arange(len(out), dtype=np.int64))
    if len(out) != spec.draws:
        raise ValueError(f"the null model gave {len(out)} draws for {spec.draws}: budgets must be equal")
    return out.reset_index(drop=True)


def run_seed(design_seed: int, draw, j) -> np.ndarray:
    """The engine seed of seed ``j`` of draw ``draw`` (vectorised; the same in every world): 31 bits of
    SHA-256 of ``calibration:<design_seed>:<draw>:<j>`` — stable on any machine, and adding draws or seeds to
    a spec keeps the seeds of the runs it had."""
    d = np.broadcast_to(np.asarray(draw, dtype=np.int64), np.broadcast(np.asarray(draw), np.asarray(j)).shape)
    jj = np.broadcast_to(np.asarray(j, dtype=np.int64), d.shape)
    out = np.empty(d.shape, dtype=np.int64)
    for idx, (a, b) in enumerate(zip(d.ravel(), jj.ravel())):
        h = hashlib.sha256(f"calibration:{int(design_seed)}:{int(a)}:{int(b)}".encode()).digest()
        out.flat[idx] = int.from_bytes(h[:4], "little") & 0x7FFFFFFF
    return out


def draws_digest(df: pd.DataFrame) -> str:
    """SHA-256 of a draws table's values (to check on resume that the design is the one the chunks used)."""
    h = hashlib.sha256()
    h.update(",".join(map(str, df.columns)).encode())
    h.update(np.ascontiguousarray(df.to_numpy(dtype=float)).tobytes())
    return h.hexdigest()


__all__ = ["draws", "draws_digest", "null_draws", "run_seed", "unit_design"]
