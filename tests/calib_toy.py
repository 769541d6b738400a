"""A toy model with a known answer for the calibration tests (issue 11): a reference table with the columns of
the calibration's (world, draw, seed, every training feature of sim.runs.score.FEATURES, M8 log-likelihoods),
so that sim.runs.calibrate.abc and .recover run on it unchanged.

One parameter ``theta`` in [0, 1] decides the features; ``phi`` in [0, 1] decides nothing (its posterior must
stay its prior). Pattern i holds when theta + shift_w[i] + noise > its threshold (thresholds spread over
[0, 1]); the four burden means are 2 + 3·theta + shift (% of GDP) plus noise. A world is its shift vector:
worlds with different shifts make different histories, worlds with the same shift the same ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.runs.score import FEATURES

PATTERNS = [f for f in FEATURES if f.startswith("pattern_")]
BURDENS = [f for f in FEATURES if f.startswith("russia_burden_")]
OTHERS = [f for f in FEATURES if f not in PATTERNS and f not in BURDENS]
THRESHOLDS = np.linspace(0.1, 0.9, len(PATTERNS))
PATTERN_NOISE = 0.03
BURDEN_NOISE = 0.2

# two worlds that differ: world "b" reverses six patterns' dependence and sits a point higher in burden
DIFFERENT = {"a": (np.zeros(len(PATTERNS)), 0.0),
             "b": (np.where(np.arange(len(PATTERNS)) % 2 == 0, 0.6, -0.6), 1.0)}
IDENTICAL = {"a": (np.zeros(len(PATTERNS)), 0.0), "b": (np.zeros(len(PATTERNS)), 0.0)}


def toy_draws(n: int, seed: int = 0) -> pd.DataFrame:
    """The prior table: draw, theta, phi (uniform on [0, 1])."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"draw": np.arange(n), "theta": rng.random(n), "phi": rng.random(n)})


def toy_features(theta, world: tuple, seeds) -> pd.DataFrame:
    """The features of runs with parameter ``theta`` (one per run) in a world (its shift), noise keyed by seed."""
    theta = np.asarray(theta, dtype=float)
    shift, burden_shift = world
    seeds = np.asarray(seeds, dtype=np.int64)
    rng = np.random.default_rng(np.abs(seeds * 1_000_003 + (theta * 1e9).astype(np.int64)))  # per-run stream
    z = rng.standard_normal((len(theta), len(PATTERNS) + len(BURDENS) + len(OTHERS)))
    out = {}
    for i, f in enumerate(PATTERNS):
        out[f] = (theta + shift[i] + PATTERN_NOISE * z[:, i] > THRESHOLDS[i]).astype(np.float32)
    for j, f in enumerate(BURDENS):
        out[f] = (2.0 + 3.0 * theta + burden_shift + BURDEN_NOISE * z[:, len(PATTERNS) + j]).astype(np.float32)
    for j, f in enumerate(OTHERS):
        out[f] = np.float32(z[:, len(PATTERNS) + len(BURDENS) + j])
    return pd.DataFrame(out)


def toy_table(worlds: dict, draws: pd.DataFrame, seeds: int) -> pd.DataFrame:
    """Every world × draw × seed (paired draws and seeds: draw k has the same theta in every world, and seed j
    the same noise, so two identical worlds give identical runs — twins)."""
    parts = []
    for w, spec in worlds.items():
        d = np.repeat(draws["draw"].to_numpy(), seeds)
        s = np.tile(np.arange(seeds), len(draws))  # paired seeds: the same in every world, as the calibration's
        th = draws.set_index("draw").loc[d, "theta"].to_numpy()
        f = toy_features(th, spec, s)
        f.insert(0, "seed", s)
        f.insert(0, "draw", d)
        f.insert(0, "world", w)
        f["m8_ll_own"] = np.float32(-5.0)
        for t in ("S", "R", "G"):
            f[f"m8_ll_{t}"] = np.float32(-5.0)
        parts.append(f)
    return pd.concat(parts, ignore_index=True)


def toy_record(values: pd.Series | None = None) -> pd.DataFrame:
    """The record file's layout (feature, value, tolerance, source): every pattern (tolerance 0) and burden
    mean (tolerance 0.5) gets a value; the other features none. ``values`` default: every pattern held and
    burdens of theta = 0.5 in world "a"."""
    rows = []
    for f in FEATURES:
        if f in PATTERNS:
            v, tol = (1.0 if values is None else float(values[f])), 0.0
        elif f in BURDENS:
            v, tol = (3.5 if values is None else float(values[f])), 0.5
        else:
            v, tol = np.nan, np.nan
        rows.append({"feature": f, "value": v, "tolerance": tol, "source": "toy"})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------------------------
# ABC-SMC (tests/test_smc.py, benchmarks/bench_smc.py): the same toy behind the batched contract of
# sim.runs.calibrate.smc, simulate(theta [n, 2], seeds [n]) -> distances [n], with theta's prior wider than the
# thresholds' range so that the posterior is a small part of the prior (a budget rejection cannot spend well).

SMC_TRUTH = 0.645  # between the 8th and 9th thresholds (0.609, 0.682): the record holds patterns 1-8, not 9-12
SMC_BOUNDS = {"theta": (-1.0, 2.0), "phi": (0.0, 1.0)}  # phi decides nothing: its posterior is its prior


def toy_record_at(theta: float = SMC_TRUTH, world: tuple = DIFFERENT["a"], seed: int = 12345) -> pd.DataFrame:
    """A record made from one run of the toy at ``theta``: its pattern values and burden means, the record's
    tolerances (patterns 0, burdens 0.5)."""
    f = toy_features(np.array([float(theta)]), world, np.array([seed]))
    return toy_record(f.iloc[0])


def toy_prior(bounds: dict = SMC_BOUNDS, shape: str = "uniform"):
    from sim.runs.calibrate.smc import BoxPrior

    names = tuple(bounds)
    return BoxPrior(names, np.array([bounds[n][0] for n in names]), np.array([bounds[n][1] for n in names]), shape)


def toy_simulator(record: pd.DataFrame, world: tuple = DIFFERENT["a"], log: list | None = None):
    """The batched simulator of the toy: the features of every row of ``theta`` (column 0 is theta), their
    distance to ``record`` (sim.runs.calibrate.smc.distance). ``log`` collects (theta, seeds) of every call."""
    from sim.runs.calibrate.smc import distance

    def simulate(theta, seeds):
        theta = np.asarray(theta, dtype=float)
        if log is not None:
            log.append((theta.copy(), np.asarray(seeds).copy()))
        return distance(toy_features(theta[:, 0], world, seeds), record)

    return simulate
