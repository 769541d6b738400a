"""ABC-SMC per world: population Monte Carlo ABC with equal simulation counts and a batched simulator.

Rejection ABC (:mod:`sim.runs.calibrate.abc`) keeps the prior draws whose runs come close to the record; when
nothing passes the full rule and the fallback accepts weak matches, its posterior moves little from the prior.
This module refines each world's posterior by population Monte Carlo ABC (Beaumont et al. 2009; Toni et al.
2009), with tolerances set adaptively from each world's own previous population (Del Moral et al. 2012), and
never as a model-selection device: every world gets the same number of simulations in every generation, the same
number of generations and the same engine seeds, and no model probability is computed from it
(docs/smc.md).

**The batched contract.** A simulator is a function ``simulate(theta [n, P], seeds [n]) -> distances [n]``
(SALib's ``Y = f(X)``), called ONCE per generation and world with the whole batch of proposals, so that the
vectorised engine (:func:`sim.engine.simulate` through :func:`sim.runs.calibrate.reference.evaluate`) runs a
generation in one call (or a few chunks over a process pool) instead of one call per particle.

**One generation t ≥ 1 of one world**, from the population of generation t − 1, with ``move="pmc"``
(population Monte Carlo: Beaumont et al. 2009, Toni et al. 2009):

1. ε_t from the previous population (:func:`next_epsilon`): the weighted α-quantile of its distances
   (``alpha``, default ½: half the population stays alive), or, where ties make that impossible (the distance
   is mostly a count), the distance whose surviving share is closest to α on a log scale — which may be
   ε_{t−1} itself (rule ``hold``: the generation then refreshes the population at the same tolerance);
2. N proposals (``population``, the SAME N for every world and generation: a fixed batch, not "until N are
   accepted"): a particle drawn by its weight, perturbed by a Gaussian kernel with ``scale`` (2) × the
   population's weighted (co)variance (Beaumont et al. 2009; Filippi et al. 2013 for the multivariate
   kernel). Proposals outside the prior's support are redrawn before anything is simulated:
   ``kernel="diagonal"`` (the default) perturbs each parameter independently and redraws a coordinate that
   left its interval, so that each coordinate's kernel is a normal truncated to the interval (its normalising
   constant enters the weights exactly); ``kernel="mvn"`` perturbs with the full covariance and redraws the
   whole proposal (particle and perturbation: the truncated mixture differs from the mixture by one constant,
   which cancels). With many parameters only the diagonal kernel is usable: the chance that a full-covariance
   proposal lands inside a 144-dimensional box is about 0.7^144;
3. one call ``simulate(proposals, seeds_t)``; the seeds of generation t are the same for every world;
4. acceptance: distance ≤ ε_t; weights w_i ∝ prior(θ_i) / Σ_j w_j K(θ_i | θ_j) (normalised);
5. if fewer than ``min_accepted`` proposals pass, ε_t is relaxed to ε_{t−1} (rule ``relaxed``); if still too
   few, the previous population is kept (rule ``kept``). The simulations are spent either way: budgets stay
   equal.

With 144 parameters the importance weights of step 4 collapse — one particle takes nearly all the weight
(tests/test_smc.py shows it on the toy, docs/smc.md on the model) — so ``move="mcmc"`` (resample-move ABC-SMC:
Drovandi & Pettitt 2011; Del Moral et al. 2012) is offered, and is ``spiral smc``'s default: step 1 as above;
the particles within ε_t resampled to N (equal weights); each moved once by a Metropolis-Hastings step whose
proposal is the same diagonal Gaussian kernel centred on it, reflected at the prior's bounds (symmetric, never
outside the support), simulated in ONE call with the generation's seeds, accepted if its distance ≤ ε_t and
u < prior(θ') / prior(θ). No importance weights: the population stays N particles; its diversity is what the
ESS (over distinct parameter vectors) reports.

**Generation 0** is either a calibration's reference table (its prior draws and their distances: the
rejection study reused, no new simulation; the start's run counts must be equal across worlds) or ``population``
fresh prior draws, the same points of the unit cube in every world, simulated once. Generation 0 keeps the
``population`` closest runs of the start (ties at the boundary kept), equally weighted: rejection ABC at the
world's own quantile.

**The distance** (:func:`distance`, one for every world): the number of the record's patterns a run does NOT
match (:func:`sim.runs.calibrate.abc.patterns_matched`), plus a continuous tie-breaker below ½ (:func:`tie_breaker`):
½ · s / (1 + s), s the mean excess of the record's continuous features (those with a positive tolerance:
Russia's four burden means) beyond their tolerance, in units of that tolerance. It is 0 exactly when every
feature is within tolerance (the full rule), and a run matching k patterns is always closer than one matching
k − 1: distance ≤ 12 − k + ½ accepts the same runs as the fallback's "at least k patterns".

**The prior**: uniform on ``spec.bounds`` (or Beta(½, ½) on each interval if ``spec.shape == "arcsine"``;
:mod:`sim.runs.calibrate.prior`), the null model's uniform on its own ranges (:mod:`sim.runs.calibrate.null`).

Deterministic given ``seed``: the proposals of generation t come from ``numpy.random.default_rng([seed, t, 1])``
(the same stream for every world: two worlds with the same population propose the same points) and the engine
seeds from ``default_rng([seed, t, 2])``; a run's result does not depend on the batch it ran in, so the number
of workers changes nothing.

:func:`smc` is the method on any batched simulator (tests/test_smc.py runs it on a toy model with a known
answer); :func:`smc_folder` is what ``spiral smc CALIB_DIR`` runs: it reads the calibration's spec, record and
reference table and writes ``CALIB_DIR/smc/`` (:data:`OUTPUTS`).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import SpiralError
from sim.runs.calibrate import abc

KERNELS = ("diagonal", "mvn")
MOVES = ("pmc", "mcmc")
TIE_WEIGHT = 0.5      # the tie-breaker stays below this: it never outranks one pattern
KERNEL_SCALE = 2.0    # Beaumont et al. 2009: the kernel's variance is twice the population's
MIN_SD = 1e-3         # a kernel's s.d. is at least this share of the parameter's interval (degenerate populations)
MAX_REDRAW_ROUNDS = 10_000
SMC_DIR = "smc"
OUTPUTS = {
    "population.parquet": "the final population of every world: world, particle, weight, distance, "
                          "patterns_matched, seed, one column per parameter",
    "generations.parquet": "every generation's accepted particles (the same columns and generation)",
    "schedule.csv": "per world and generation: rule, epsilon_planned, epsilon, simulations, redrawn (pmc) or "
                    "reflected (mcmc) proposals, accepted, acceptance, particles, ess, unique, distance_mean, "
                    "seconds",
    "marginals.csv": "per world and parameter: prior, start (generation 0) and SMC posterior means, s.d. and "
                     "quantiles; 90 % interval widths and how much narrower than the prior's and the "
                     "rejection posterior's (CALIB_DIR/marginals.csv)",
    "summary.json": "settings, budget per world, the calibration it started from, times, the results",
}


class SMCError(SpiralError, ValueError):
    """A bad SMC request or an unequal budget (one line)."""


# ----------------------------------------------------------------------------------------------------------
# The distance
# ----------------------------------------------------------------------------------------------------------


def patterns(record: pd.DataFrame) -> list[str]:
    """The record's patterns (groups of its used features: :func:`sim.runs.calibrate.abc.pattern_of`)."""
    return list(dict.fromkeys(abc.pattern_of(f) for f in abc.used_features(record)))


def tie_breaker(table: pd.DataFrame, record: pd.DataFrame) -> np.ndarray:
    """Per run, in [0, ½]: ½ · s / (1 + s), s the mean over the record's features with a positive tolerance
    of max(0, |x − value| − tolerance) / tolerance (a missing value counts as infinitely far: ½). 0 when
    every such feature is within tolerance."""
    rows = [(f, float(v), float(t)) for f, v, t in zip(record["feature"], record["value"], record["tolerance"])
            if pd.notna(v) and pd.notna(t) and float(t) > 0]
    if not rows:
        return np.zeros(len(table))
    ex = np.stack([np.maximum(np.abs(table[f].to_numpy(dtype=float) - v) - t, 0.0) / t for f, v, t in rows], axis=1)
    s = np.where(np.isnan(ex), np.inf, ex).mean(axis=1)
    with np.errstate(invalid="ignore"):
        frac = np.where(np.isinf(s), 1.0, s / (1.0 + s))
    return TIE_WEIGHT * frac


def distance(table: pd.DataFrame, record: pd.DataFrame, tie_break: bool = True) -> np.ndarray:
    """Per run: the number of the record's patterns it does not match, plus (``tie_break``) :func:`tie_breaker`.
    0 iff the run passes the full rule; ``n_patterns − floor(distance)`` is the number of patterns matched."""
    d = (len(patterns(record)) - abc.patterns_matched(table, record)).astype(float)
    return d + tie_breaker(table, record) if tie_break else d


def patterns_of_distance(d, record: pd.DataFrame) -> np.ndarray:
    """Patterns matched, from a distance of :func:`distance`."""
    return (len(patterns(record)) - np.floor(np.asarray(d, dtype=float) + 1e-9)).astype(np.int64)


# ----------------------------------------------------------------------------------------------------------
# The prior
# ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoxPrior:
    """Independent parameters on intervals ``[low, high]``: uniform, or arcsine (Beta(½, ½)) on each."""

    names: tuple[str, ...]
    low: np.ndarray
    high: np.ndarray
    shape: str = "uniform"

    def __post_init__(self):
        lo, hi = np.asarray(self.low, dtype=float), np.asarray(self.high, dtype=float)
        if lo.shape != (len(self.names),) or hi.shape != lo.shape or not (hi > lo).all():
            raise SMCError("a prior needs one interval low < high per parameter")
        if self.shape not in ("uniform", "arcsine"):
            raise SMCError(f"prior shape is uniform or arcsine, not {self.shape!r}")
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "high", hi)

    @property
    def dim(self) -> int:
        return len(self.names)

    @property
    def width(self) -> np.ndarray:
        return self.high - self.low

    def inside(self, theta) -> np.ndarray:
        x = np.atleast_2d(theta)
        return ((x >= self.low) & (x <= self.high)).all(axis=1)

    def logpdf(self, theta) -> np.ndarray:
        """Log density (−inf outside the support)."""
        x = np.atleast_2d(np.asarray(theta, dtype=float))
        ok = self.inside(x)
        if self.shape == "uniform":
            lp = np.full(len(x), -np.log(self.width).sum())
        else:
            u = np.clip((x - self.low) / self.width, 1e-300, 1 - 1e-16)
            lp = (-np.log(np.pi) - 0.5 * np.log(u * (1 - u)) - np.log(self.width)).sum(axis=1)
        return np.where(ok, lp, -np.inf)

    def from_unit(self, u) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.shape == "arcsine":  # the quantile of Beta(1/2, 1/2), as sim.runs.calibrate.prior.draws
            u = np.sin(0.5 * np.pi * u) ** 2
        return self.low + u * self.width

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.from_unit(rng.random((n, self.dim)))

    def quantiles(self, qs) -> np.ndarray:
        """``[len(qs), P]``: each parameter's prior quantiles."""
        return self.from_unit(np.asarray(qs, dtype=float)[:, None] * np.ones((1, self.dim)))

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Each parameter's prior mean and s.d. (uniform: width/√12; arcsine: width/√8)."""
        return self.low + self.width / 2, self.width / (np.sqrt(8.0) if self.shape == "arcsine" else np.sqrt(12.0))


def spec_prior(spec) -> BoxPrior:
    """The prior of a calibration's agent worlds: ``spec.free`` on ``spec.bounds``, ``spec.shape``."""
    names = tuple(spec.free)
    return BoxPrior(names, np.array([spec.bounds[n][0] for n in names]), np.array([spec.bounds[n][1] for n in names]),
                    getattr(spec, "shape", "uniform"))


def null_prior() -> BoxPrior:
    """The null model's prior: uniform on its ranges (:data:`sim.runs.calibrate.null.NULL_PARAMETERS`; its
    draws are uniform whatever the spec's shape, :func:`sim.runs.calibrate.null.null_draws`)."""
    from sim.runs.calibrate.null import NULL_NAMES, NULL_PARAMETERS

    return BoxPrior(tuple(NULL_NAMES), np.array([NULL_PARAMETERS[n][0] for n in NULL_NAMES]),
                    np.array([NULL_PARAMETERS[n][1] for n in NULL_NAMES]))


# ----------------------------------------------------------------------------------------------------------
# Populations and kernels
# ----------------------------------------------------------------------------------------------------------


@dataclass
class Population:
    """Weighted particles: ``theta [n, P]``, ``weight [n]`` (sums to 1), ``distance [n]``, ``seed [n]``
    (the engine seed of the run that gave the distance; −1 if unknown)."""

    theta: np.ndarray
    weight: np.ndarray
    distance: np.ndarray
    seed: np.ndarray

    def __post_init__(self):
        self.theta = np.atleast_2d(np.asarray(self.theta, dtype=float))
        n = len(self.theta)
        w = np.asarray(self.weight, dtype=float)
        self.weight = w / w.sum() if n else w
        self.distance = np.asarray(self.distance, dtype=float)
        self.seed = np.asarray(self.seed, dtype=np.int64) if self.seed is not None else np.full(n, -1, np.int64)
        if not (len(self.weight) == len(self.distance) == len(self.seed) == n):
            raise SMCError("a population needs one weight, distance and seed per particle")

    def __len__(self) -> int:
        return len(self.theta)

    @property
    def ess(self) -> float:
        """Effective sample size 1 / Σ w², the weights of identical particles summed first (MCMC moves and
        resampling leave copies; the seeds of one reference draw share its parameters): it counts distinct
        parameter vectors, not rows."""
        if not len(self):
            return 0.0
        _, inv = np.unique(self.theta, axis=0, return_inverse=True)
        w = np.bincount(inv.ravel(), weights=self.weight)
        return float(1.0 / np.sum(w ** 2))

    def subset(self, keep) -> "Population":
        return Population(self.theta[keep], self.weight[keep], self.distance[keep], self.seed[keep])


@dataclass
class Start:
    """Generation 0 of one world: prior runs with their distances (uniform weights unless given) and how many
    simulations made them (equal for every world)."""

    population: Population
    simulations: int


def _logsumexp_rows(a: np.ndarray) -> np.ndarray:
    m = a.max(axis=1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return (m + np.log(np.exp(a - m).sum(axis=1, keepdims=True))).ravel()


def weighted_moments(pop: Population) -> tuple[np.ndarray, np.ndarray]:
    w = pop.weight
    m = w @ pop.theta
    c = pop.theta - m
    return m, (c * w[:, None]).T @ c


class Kernel:
    """The perturbation kernel fitted on a population (see the module docstring): ``propose`` draws proposals
    inside the prior's support, ``logq`` is the log density of the (truncated) mixture Σ_j w_j K(θ | θ_j)
    up to a constant that is the same for every proposal."""

    def __init__(self, pop: Population, prior: BoxPrior, kind: str = "diagonal", scale: float = KERNEL_SCALE):
        if kind not in KERNELS:
            raise SMCError(f"kernel is one of {', '.join(KERNELS)}, not {kind!r}")
        self.pop, self.prior, self.kind = pop, prior, kind
        _, cov = weighted_moments(pop)
        floor = (MIN_SD * prior.width) ** 2
        if kind == "diagonal":
            self.sd = np.sqrt(np.maximum(scale * np.diag(cov), floor))
            # log of each particle's truncation constants: Σ_k log P(lo_k <= θ_jk + sd_k Z <= hi_k)
            self.log_norm = self.log_truncation(pop.theta)  # [n_old]
        else:
            sigma = scale * cov + np.diag(floor)
            self.chol = np.linalg.cholesky(sigma)
            self.log_det = float(np.log(np.diag(self.chol)).sum())

    def log_truncation(self, centre: np.ndarray) -> np.ndarray:
        """Diagonal kernel: ``[n]`` Σ_k log P(low_k <= c_k + sd_k Z <= high_k), the log of the share of the
        kernel centred at each ``c`` that lies inside the prior's support."""
        from scipy.special import ndtr

        a = (self.prior.low - centre) / self.sd
        b = (self.prior.high - centre) / self.sd
        return np.log(np.maximum(ndtr(b) - ndtr(a), 1e-300)).sum(axis=1)

    def perturb(self, rng: np.random.Generator, centre: np.ndarray) -> tuple[np.ndarray, int]:
        """Diagonal kernel: one proposal around each row of ``centre``, every coordinate a normal truncated to
        its interval (a coordinate outside is drawn again); returns ``(theta, redrawn)``, ``redrawn`` the
        proposals drawn again at least once."""
        prior = self.prior
        n, P = centre.shape
        sd = np.broadcast_to(self.sd, (n, P))
        x = centre + sd * rng.standard_normal((n, P))
        bad = (x < prior.low) | (x > prior.high)
        again = np.zeros(n, dtype=bool)
        for _ in range(MAX_REDRAW_ROUNDS):
            rows = bad.any(axis=1)
            if not rows.any():
                return x, int(again.sum())
            again |= rows
            x[bad] = centre[bad] + sd[bad] * rng.standard_normal(int(bad.sum()))
            bad = (x < prior.low) | (x > prior.high)
        raise SMCError("the kernel keeps proposing outside the prior's support")  # pragma: no cover

    def reflect(self, rng: np.random.Generator, centre: np.ndarray) -> tuple[np.ndarray, int]:
        """Diagonal kernel, reflected: one proposal around each row of ``centre``, a coordinate that leaves its
        interval folded back into it (mirror at the ends). The reflected random walk is symmetric,
        q(θ' | θ) = q(θ | θ'), so a Metropolis-Hastings step needs no correction for the boundaries; returns
        ``(theta, reflected)``, ``reflected`` the proposals with a coordinate folded back."""
        lo, hi = self.prior.low, self.prior.high
        x = centre + self.sd * rng.standard_normal(centre.shape)
        out = (x < lo) | (x > hi)
        width = hi - lo
        y = np.mod(x - lo, 2.0 * width)
        x = lo + np.where(y > width, 2.0 * width - y, y)
        return np.clip(x, lo, hi), int(out.any(axis=1).sum())

    def propose(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, int]:
        """``(theta [n, P], redrawn)``: n proposals from the mixture, inside the prior's support; ``redrawn``
        counts the proposals that fell outside and were drawn again (nothing outside is ever returned)."""
        pop, prior = self.pop, self.prior
        P = prior.dim
        if self.kind == "diagonal":
            return self.perturb(rng, pop.theta[rng.choice(len(pop), size=n, p=pop.weight)])
        out = np.empty((n, P))
        filled = redrawn = 0
        for _ in range(MAX_REDRAW_ROUNDS):
            m = n - filled
            j = rng.choice(len(pop), size=m, p=pop.weight)
            x = pop.theta[j] + rng.standard_normal((m, P)) @ self.chol.T
            ok = prior.inside(x)
            k = int(ok.sum())
            out[filled:filled + k] = x[ok]
            filled += k
            redrawn += m - k
            if filled == n:
                return out, redrawn
        raise SMCError(f"the multivariate kernel lands outside the prior's support too often in {P} dimensions "
                       f"({redrawn:,} proposals redrawn); use kernel='diagonal'")

    def logq(self, theta: np.ndarray) -> np.ndarray:
        """``[n]`` log Σ_j w_j K(θ_i | θ_j) (without constants common to every θ_i)."""
        pop = self.pop
        logw = np.log(np.maximum(pop.weight, 1e-300))
        if self.kind == "diagonal":
            a, b = theta / self.sd, pop.theta / self.sd
            d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
            return _logsumexp_rows(logw[None, :] - 0.5 * np.maximum(d2, 0.0) - self.log_norm[None, :])
        from scipy.linalg import solve_triangular

        a = solve_triangular(self.chol, theta.T, lower=True).T
        b = solve_triangular(self.chol, pop.theta.T, lower=True).T
        d2 = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
        return _logsumexp_rows(logw[None, :] - 0.5 * np.maximum(d2, 0.0))


def next_epsilon(distance, weight, alpha: float, previous: float = math.inf) -> tuple[float, str]:
    """The next tolerance from a weighted population (Del Moral et al. 2012: the share of the population that
    stays alive should be α): among the population's distances at or below ``previous``, the one whose weighted
    share of particles at or below it is closest to α on a log scale. With a continuous distance that is the
    α-quantile (rule ``quantile``); with ties (the distance is mostly a count) it may be a value whose share is
    below α (``below``), or the previous tolerance itself when every lower value keeps too few (``hold``: the
    generation then moves the particles at the same tolerance)."""
    d, w = np.asarray(distance, dtype=float), np.asarray(weight, dtype=float)
    vals, inv = np.unique(d, return_inverse=True)
    share = np.cumsum(np.bincount(inv.ravel(), weights=w)) / w.sum()
    ok = vals <= previous
    if not ok.any():
        return float(previous), "hold"
    cost = np.where(ok, np.abs(np.log(np.maximum(share, 1e-300) / alpha)), np.inf)
    i = int(np.argmin(cost))  # the first minimum: the smaller tolerance on a tie
    e = float(vals[i])
    if e >= previous:
        return float(previous), "hold"
    return e, ("quantile" if share[i] >= alpha - 1e-12 else "below")


def weighted_quantile(x, w, q: float) -> float:
    """The inverse of the weighted empirical distribution function at q: the smallest x whose cumulative
    weight reaches q (a value of the sample)."""
    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)
    o = np.argsort(x, kind="stable")
    c = np.cumsum(w[o]) / w.sum()
    return float(x[o][min(int(np.searchsorted(c, q - 1e-12)), len(x) - 1)])


# ----------------------------------------------------------------------------------------------------------
# The method: every world in lock-step, equal simulation counts
# ----------------------------------------------------------------------------------------------------------


def generation_seeds(seed: int, t: int, n: int) -> np.ndarray:
    """The engine seeds of generation t: ``n`` 31-bit seeds, the same for every world."""
    return np.random.default_rng([int(seed), int(t), 2]).integers(0, 2 ** 31 - 1, size=n, dtype=np.int64)


def _rng(seed: int, t: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(t), 1])


@dataclass
class SMCResult:
    """One world's SMC: every generation's population (0 = the start), the schedule (one row per generation)
    and the simulations each generation spent (0 for a start read from a reference table)."""

    world: str
    names: tuple[str, ...]
    populations: list[Population] = field(default_factory=list)
    schedule: list[dict] = field(default_factory=list)

    @property
    def final(self) -> Population:
        return self.populations[-1]

    @property
    def simulations(self) -> list[int]:
        return [int(r["simulations"]) for r in self.schedule]

    def schedule_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.schedule)


Simulator = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _simulate(world: str, fn: Simulator, theta: np.ndarray, seeds: np.ndarray, prior: BoxPrior) -> np.ndarray:
    n = len(theta)
    if not prior.inside(theta).all():  # the kernels guarantee it; never simulate outside the prior
        raise SMCError(f"world {world}: a proposal outside the prior's support reached the simulator")
    d = np.asarray(fn(theta, seeds), dtype=float)
    if d.shape != (n,):
        raise SMCError(f"world {world}: the simulator returned {d.size} distances for {n} proposals; every world gets "
                       f"exactly {n} simulations per generation")
    return np.where(np.isnan(d), np.inf, d)  # a run that cannot be scored is never accepted


def smc(simulators: Mapping[str, Simulator], priors: Mapping[str, BoxPrior], *, population: int, generations: int,
        seed: int = 0, start: Mapping[str, Start] | None = None, alpha: float = 0.5, kernel: str = "diagonal",
        move: str = "pmc", scale: float = KERNEL_SCALE, min_accepted: int | None = None,
        progress: Callable[[str, dict], None] | None = None) -> dict[str, SMCResult]:
    """ABC-SMC of every world in ``simulators`` (world -> batched ``simulate(theta, seeds) -> distances``),
    each with its prior (``priors``), in lock-step: generation by generation, every world gets exactly
    ``population`` simulations in ONE call of its simulator, the same engine seeds, the same number of
    generations. ``start``: world -> :class:`Start` (e.g. a calibration's reference table; the same number of
    simulations for every world), or None: generation 0 simulates ``population`` fresh prior draws per world.
    ``min_accepted`` (default max(2, population // 20)): fewer accepted proposals relax ε (see the module
    docstring). ``progress(world, row)`` is called after each world's generation. Returns world ->
    :class:`SMCResult`. Raises :class:`SMCError` on anything that would make the budgets unequal."""
    worlds = list(simulators)
    if isinstance(population, Mapping) or isinstance(generations, Mapping):
        raise SMCError("equal simulation counts: population and generations are one number for every world")
    if not isinstance(population, (int, np.integer)) or isinstance(population, bool) or population < 2:
        raise SMCError(f"population must be a whole number >= 2, not {population!r}")
    if not isinstance(generations, (int, np.integer)) or isinstance(generations, bool) or generations < 0:
        raise SMCError(f"generations must be a whole number >= 0, not {generations!r}")
    if not 0 < alpha < 1:
        raise SMCError(f"alpha (the quantile of the previous distances that sets the next tolerance) is in (0, 1), "
                       f"not {alpha!r}")
    if kernel not in KERNELS:
        raise SMCError(f"kernel is one of {', '.join(KERNELS)}, not {kernel!r}")
    if move not in MOVES:
        raise SMCError(f"move is one of {', '.join(MOVES)}, not {move!r}")
    if move == "mcmc" and kernel != "diagonal":
        raise SMCError("move 'mcmc' uses the diagonal kernel (reflected at the prior's bounds)")
    if not worlds:
        raise SMCError("no world to run")
    missing = [w for w in worlds if w not in priors]
    if missing:
        raise SMCError(f"no prior for world {missing[0]!r}")
    if start is not None:
        if set(start) != set(worlds):
            raise SMCError("a start is needed for every world, and only for them")
        sims = {w: int(start[w].simulations) for w in worlds}
        sizes = {w: len(start[w].population) for w in worlds}
        if len(set(sims.values())) > 1 or len(set(sizes.values())) > 1:
            raise SMCError("unequal starts: " + ", ".join(f"{w} {sizes[w]} runs ({sims[w]} simulations)"
                                                          for w in worlds)
                           + "; every world starts from the same number of runs")
        for w in worlds:
            p = start[w].population
            if not len(p):
                raise SMCError(f"world {w}: the start holds no run")
            if p.theta.shape[1] != priors[w].dim:
                raise SMCError(f"world {w}: the start has {p.theta.shape[1]} parameters, the prior {priors[w].dim}")
    N = int(population)
    min_acc = int(min_accepted) if min_accepted is not None else max(2, N // 20)
    results = {w: SMCResult(w, priors[w].names) for w in worlds}
    eps = {}

    def record(w: str, pop: Population, row: dict) -> None:
        row = {"world": w, **row, "particles": len(pop), "ess": pop.ess,
               "unique": int(len(np.unique(pop.theta, axis=0))) if len(pop) else 0,
               "distance_mean": float(pop.weight @ pop.distance) if len(pop) else np.nan}
        results[w].populations.append(pop)
        results[w].schedule.append(row)
        if progress is not None:
            progress(w, row)

    # generation 0
    seeds0 = generation_seeds(seed, 0, N)
    for w in worlds:
        t0 = time.perf_counter()
        if start is None:
            theta = priors[w].sample(_rng(seed, 0), N)  # the same points of the unit cube in every world
            d = _simulate(w, simulators[w], theta, seeds0, priors[w])
            pop, sims, e, rule = Population(theta, np.ones(N), d, seeds0), N, math.inf, "prior"
        else:
            s = start[w].population
            order = np.argsort(s.distance, kind="stable")
            e = float(s.distance[order[min(N, len(s)) - 1]]) if len(s) else math.inf
            pop, sims, rule = s.subset(np.flatnonzero(s.distance <= e)), 0, "start"
        eps[w] = e
        record(w, pop, {"generation": 0, "rule": rule, "epsilon_planned": e, "epsilon": e, "simulations": sims,
                        "redrawn": 0, "accepted": len(pop), "acceptance": len(pop) / max(sims, len(pop), 1),
                        "seconds": time.perf_counter() - t0})

    for t in range(1, generations + 1):
        seeds = generation_seeds(seed, t, N)
        for w in worlds:
            t0 = time.perf_counter()
            prev, prior = results[w].final, priors[w]
            planned, rule = next_epsilon(prev.distance, prev.weight, alpha, eps[w])
            rng = _rng(seed, t)
            if move == "mcmc":
                pop, e, rule, redrawn, acc = _mcmc_generation(w, simulators[w], prev, prior, rng, seeds, planned, rule,
                                                              eps[w], N, min_acc, scale)
            else:
                kern = Kernel(prev, prior, kernel, scale)
                theta, redrawn = kern.propose(rng, N)
                d = _simulate(w, simulators[w], theta, seeds, prior)
                e = planned
                acc = d <= e
                if acc.sum() < min_acc:
                    e, rule = eps[w], "relaxed"
                    acc = d <= e
                if acc.sum() < min_acc:
                    pop, rule = prev, "kept"
                else:
                    th = theta[acc]
                    lw = prior.logpdf(th) - kern.logq(th)
                    pop = Population(th, np.exp(lw - lw.max()), d[acc], seeds[acc])
            eps[w] = e
            record(w, pop, {"generation": t, "rule": rule, "epsilon_planned": planned, "epsilon": e,
                            "simulations": N, "redrawn": redrawn, "accepted": int(acc.sum()),
                            "acceptance": float(acc.mean()), "seconds": time.perf_counter() - t0})
    check_equal_budgets(results)
    return results


def _mcmc_generation(w, fn, prev: Population, prior: BoxPrior, rng, seeds, planned, rule, eps_prev, N, min_acc, scale):
    """One generation with MCMC moves (Drovandi & Pettitt 2011; Del Moral et al. 2012): the particles within ε_t
    resampled to N, each moved once by a Metropolis-Hastings step whose target is the prior restricted to
    distance <= ε_t and whose proposal is the diagonal Gaussian kernel around it, reflected at the prior's
    bounds (:meth:`Kernel.reflect`: symmetric, so the acceptance ratio is the prior ratio alone; a truncated
    kernel's Hastings correction, a product of 144 ratios of normalising constants, would reject most moves).
    Returns (population, ε_t, rule, reflected, moved [N])."""
    e = planned
    alive = prev.distance <= e
    if alive.sum() < min_acc:
        e, rule = eps_prev, "relaxed"
        alive = prev.distance <= e
    idx = np.flatnonzero(alive)
    wa = prev.weight[idx] / prev.weight[idx].sum()
    cur = prev.subset(idx[rng.choice(len(idx), size=N, p=wa)])
    cur = Population(cur.theta, np.ones(N), cur.distance, cur.seed)
    kern = Kernel(cur, prior, "diagonal", scale)
    new, redrawn = kern.reflect(rng, cur.theta)
    d = _simulate(w, fn, new, seeds, prior)
    log_ratio = prior.logpdf(new) - prior.logpdf(cur.theta)  # the reflected kernel is symmetric
    moved = (d <= e) & (np.log(rng.random(N)) < log_ratio)
    pop = Population(np.where(moved[:, None], new, cur.theta), np.ones(N), np.where(moved, d, cur.distance),
                     np.where(moved, seeds, cur.seed))
    return pop, e, rule, redrawn, moved


def check_equal_budgets(results: Mapping[str, SMCResult]) -> pd.DataFrame:
    """Every world spent the same simulations in every generation, over the same number of generations.
    Returns ``world, generation, simulations``; raises :class:`SMCError` otherwise."""
    rows = [{"world": w, "generation": int(r["generation"]), "simulations": int(r["simulations"])}
            for w, res in results.items() for r in res.schedule]
    df = pd.DataFrame(rows)
    if len(df):
        per = df.pivot(index="generation", columns="world", values="simulations")
        if per.isna().any().any() or (per.nunique(axis=1) > 1).any():
            raise SMCError("unequal simulation counts across worlds: " + per.to_string().replace("\n", "; "))
    return df


# ----------------------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------------------

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def population_frame(results: Mapping[str, SMCResult], all_generations: bool = False, record=None) -> pd.DataFrame:
    """The final population of each world (or every generation's): ``world, generation, particle, weight,
    distance, [patterns_matched,] seed``, one column per parameter (worlds with different parameters leave
    the others empty)."""
    parts = []
    for w, res in results.items():
        gens = range(len(res.populations)) if all_generations else [len(res.populations) - 1]
        for g in gens:
            p = res.populations[g]
            df = pd.DataFrame({"world": w, "generation": int(res.schedule[g]["generation"]),
                               "particle": np.arange(len(p)), "weight": p.weight, "distance": p.distance})
            if record is not None:
                df["patterns_matched"] = patterns_of_distance(p.distance, record)
            df["seed"] = p.seed
            parts.append(pd.concat([df, pd.DataFrame(p.theta, columns=list(res.names))], axis=1))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def schedule_frame(results: Mapping[str, SMCResult]) -> pd.DataFrame:
    return pd.concat([r.schedule_frame() for r in results.values()], ignore_index=True)


def chance_narrowing(n: int, shape: str = "uniform", reps: int = 400, seed: int = 0) -> float:
    """How much narrower than the prior's the 90 % interval of ``n`` independent, equally weighted PRIOR draws
    is by chance alone (the median over ``reps`` samples; the weighted quantile of :func:`marginals`): the
    baseline against which a population of effective size n is read. Scale-free, so one number per shape."""
    n = max(2, int(round(n)))
    u = np.random.default_rng([seed, n]).random((reps, n))
    if shape == "arcsine":
        u = np.sin(0.5 * np.pi * u) ** 2
    w = np.full(n, 1.0 / n)
    widths = [np.subtract(*abc._wquantile(x, w, (0.95, 0.05))) for x in u]
    prior = 0.9 if shape != "arcsine" else float(np.sin(0.475 * np.pi) ** 2 - np.sin(0.025 * np.pi) ** 2)
    return float(1.0 - np.median(widths) / prior)


def marginals(results: Mapping[str, SMCResult], priors: Mapping[str, BoxPrior],
              rejection: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per world and parameter: the prior's mean, s.d. and 90 % interval width (exact, from the prior), the
    start's (generation 0) and the final population's weighted mean, s.d., quantiles (the weighted quantile of
    :func:`sim.runs.calibrate.abc.marginals`) and 90 % width, the rejection posterior's 90 % width (from a
    calibration's ``marginals.csv``: ``world, parameter, q05, q95``, if given), and how much narrower the SMC's
    interval is than the prior's and the rejection's (``narrower_than_prior`` = 1 − width / prior width), and
    ``chance_narrower``: what :func:`chance_narrowing` gives for prior draws as many as the population's ESS —
    a narrowing no larger than that is what so few particles show anyway."""
    rej = {}
    if rejection is not None and len(rejection):
        r = rejection
        if "weights" in r:
            r = r[r["weights"].astype(str) == "accepted seeds"]
        rej = {(a, b): (q5, q95, m)
               for a, b, q5, q95, m in zip(r["world"], r["parameter"], r["q05"], r["q95"], r["mean"])}
    rows = []
    for w, res in results.items():
        prior = priors[w]
        pq = prior.quantiles([0.05, 0.95])
        pm, psd = prior.moments()
        s0, fin = res.populations[0], res.final
        chance = chance_narrowing(fin.ess, prior.shape)
        for k, n in enumerate(res.names):
            row = {"world": w, "parameter": n, "prior_mean": float(pm[k]), "prior_sd": float(psd[k]),
                   "prior_width90": float(pq[1, k] - pq[0, k])}
            for tag, p in (("start_", s0), ("", fin)):
                x = p.theta[:, k]
                m = float(p.weight @ x)
                row[f"{tag}mean"] = m
                row[f"{tag}sd"] = float(np.sqrt(max(p.weight @ (x - m) ** 2, 0.0)))
                qs = abc._wquantile(x, p.weight, QUANTILES) if len(p) else [np.nan] * len(QUANTILES)
                if tag:
                    row["start_width90"] = float(qs[-1] - qs[0])
                else:
                    row.update({f"q{int(round(q * 100)):02d}": float(v) for q, v in zip(QUANTILES, qs)})
                    row["width90"] = float(qs[-1] - qs[0])
            row["particles"], row["ess"] = len(fin), fin.ess
            q5, q95, rm = rej.get((w, n), (np.nan, np.nan, np.nan))
            row["rejection_mean"], row["rejection_width90"] = float(rm), float(q95 - q5)
            row["narrower_than_prior"] = 1.0 - row["width90"] / row["prior_width90"]
            row["chance_narrower"] = chance
            rw = row["rejection_width90"]
            row["narrower_than_rejection"] = 1.0 - row["width90"] / rw if rw and np.isfinite(rw) and rw > 0 else np.nan
            rows.append(row)
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------------
# The real model: a calibration folder
# ----------------------------------------------------------------------------------------------------------


def _evaluate_part(task):
    """Worker side: one chunk of a generation through the calibration's own worker
    (:func:`sim.runs.calibrate.reference.run_chunk`: one engine call), as Parquet bytes."""
    from sim.runs.calibrate.reference import run_chunk

    return run_chunk(task).part


class EngineSimulator:
    """``simulate(theta, seeds) -> distances`` for one world (or the null model) of a calibration: the batch
    through :func:`sim.runs.calibrate.reference.evaluate` on the calibration's scenario (cut at 2013Q4), in one
    engine call, or in ``chunks`` near-equal calls over ``executor`` (a ``concurrent.futures`` executor: the
    local process pool of :mod:`sim.runs.executors`). The features of the last batch stay in ``last``."""

    def __init__(self, scenario, world: str, names, record: pd.DataFrame, fixed: dict | None = None,
                 executor=None, chunks: int = 1, tie_break: bool = True):
        import hashlib
        import pickle

        from sim.runs.calibrate.spec import NULL_WORLD

        self.scenario, self.world, self.names = scenario, world, tuple(names)
        self.kind = "null" if world == NULL_WORLD else "agent"
        self.fixed = {} if self.kind == "null" else dict(fixed or {})
        self.record, self.executor, self.chunks, self.tie_break = record, executor, max(1, int(chunks)), tie_break
        self.calls, self.runs = 0, 0
        self.last: pd.DataFrame | None = None
        if executor is not None:
            self._blob = pickle.dumps(scenario, protocol=pickle.HIGHEST_PROTOCOL)
            self._hash = hashlib.sha256(self._blob).hexdigest()

    def features(self, theta: np.ndarray, seeds: np.ndarray) -> pd.DataFrame:
        from sim.runs.calibrate.reference import ChunkTask, _split, evaluate

        n = len(theta)
        draw = np.arange(n, dtype=np.int64)
        seeds = np.asarray(seeds, dtype=np.int64)
        worlds = [self.world] * n
        if self.executor is None or self.chunks == 1 or n < 2:
            return evaluate(self.scenario, self.kind, worlds, draw, seeds, self.names, theta, self.fixed).to_pandas()
        import io

        import pyarrow.parquet as pq

        parts = _split(n, -(-n // self.chunks))
        futs = [self.executor.submit(_evaluate_part, ChunkTask(i, self.kind, self._hash, self._blob, worlds[sl],
                                                                draw[sl], seeds[sl], self.names, theta[sl], self.fixed))
                for i, sl in enumerate(parts)]
        return pd.concat([pq.read_table(io.BytesIO(f.result())).to_pandas() for f in futs], ignore_index=True)

    def __call__(self, theta, seeds) -> np.ndarray:
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        f = self.features(theta, seeds)
        self.calls += 1
        self.runs += len(theta)
        self.last = f
        return distance(f, self.record, self.tie_break)


def resolve_spec_path(calib: Path, manifest: dict) -> Path:
    """The calibration's spec (manifest ``spec_path``): as written, else relative to the repository."""
    from sim.runs.calibrate.spec import REPO_ROOT

    p = Path(manifest.get("spec_path") or "")
    for cand in (p, REPO_ROOT / p, calib / p):
        if str(p) and cand.is_file():
            return cand
    raise SMCError(f"{calib}: the calibration's spec {str(p) or '(none)'} is not there; SMC re-runs its scenario and "
                   "prior, so it needs the spec the calibration was made from")


@dataclass
class SMCFolderResult:
    out: Path
    results: dict
    summary: str


def smc_folder(calib, generations: int = 4, population: int = 512, out=None, workers: int | None = None, seed: int = 0,
               alpha: float = 0.5, kernel: str = "diagonal", move: str = "mcmc", worlds=None, progress: bool = True,
               command: str | None = None, tie_break: bool = True, scale: float = KERNEL_SCALE) -> SMCFolderResult:
    """What ``spiral smc CALIB_DIR`` runs: ABC-SMC of every model of a finished calibration (or of ``worlds``),
    starting from its reference table (generation 0: each world's ``population`` closest runs, no new
    simulation), ``generations`` × ``population`` new runs per world on the calibration's scenario cut at
    2013Q4, with its spec's prior and fixed values and its record; the null model with the same budget on its
    own prior. ``workers`` > 1 (default: every core) splits each world's batch into that many engine calls
    over a local process pool; 1 runs in this process. Writes ``out`` (default ``CALIB_DIR/smc``: :data:`OUTPUTS`)."""
    from sim.runs.calibrate.reference import (DRAWS, NULL_DRAWS, calibration_hash, check_budgets, load_reference,
                                              read_complete_manifest)
    from sim.runs.calibrate.spec import NULL_WORLD, load_calibration
    from sim.runs.sweep.spec import SweepError
    from sim.runs.sweep.store import _atomic_write, _parquet_bytes, code_fingerprint

    t_start = time.perf_counter()
    calib = Path(calib)
    try:
        manifest = read_complete_manifest(calib)
    except SweepError as exc:
        raise SMCError(str(exc)) from None
    spec_path = resolve_spec_path(calib, manifest)
    spec = load_calibration(spec_path)
    if calibration_hash(spec) != manifest.get("calibration_hash"):
        raise SMCError(f"{spec_path} no longer describes the calibration in {calib} (its hash changed): SMC must run "
                       "the calibration's own scenario, prior and budget")
    record = abc.load_record(calib / "record.csv" if (calib / "record.csv").is_file() else spec.record)
    available = [w for w in manifest["budget"]["worlds"] if w != NULL_WORLD or (calib / NULL_DRAWS).is_file()]
    if worlds is None:
        worlds = available
    else:
        worlds = list(dict.fromkeys(worlds))
        bad = [w for w in worlds if w not in available]
        if bad:
            import difflib

            near = difflib.get_close_matches(bad[0], available, n=1)
            raise SMCError(f"{calib} holds no model {bad[0]!r}" + (f" (did you mean {near[0]!r}?)" if near else "")
                           + f"; it holds {', '.join(available)}")
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise SMCError(f"workers must be a whole number >= 1, not {workers!r}")
    note = ""
    if manifest.get("provenance", {}).get("code_fingerprint") not in (None, code_fingerprint()):
        note = ("the model's code under sim/ differs from the calibration's (its code fingerprint); if the model "
                "changed, generation 0 comes from the old model and later generations from the "
                "current one")
        if progress:
            print(f"note: {note}", file=sys.stderr)

    import pyarrow.parquet as pq

    cols = ["world", "draw", "seed"] + abc.used_features(record)
    full = load_reference(calib, columns=cols)
    try:
        check_budgets(full)
    except SweepError as exc:
        raise SMCError(str(exc)) from None
    _, rule, k_star = abc.the_rule(full, record)  # the rejection's rule, on every model of the calibration
    table = full[full["world"].isin(worlds)].reset_index(drop=True)
    del full
    draws = pq.read_table(calib / DRAWS).to_pandas().set_index("draw")
    null_draws = pq.read_table(calib / NULL_DRAWS).to_pandas().set_index("draw") if NULL_WORLD in worlds else None
    priors, starts = {}, {}
    for w in worlds:
        prior = null_prior() if w == NULL_WORLD else spec_prior(spec)
        dt = null_draws if w == NULL_WORLD else draws
        g = table[table["world"] == w]
        theta = dt.loc[g["draw"].to_numpy(), list(prior.names)].to_numpy(dtype=float)
        d = distance(g, record, tie_break)
        priors[w] = prior
        starts[w] = Start(Population(theta, np.ones(len(g)), d, g["seed"].to_numpy()), len(g))
    rejection = pd.read_csv(calib / "marginals.csv") if (calib / "marginals.csv").is_file() else None
    if rejection is not None and not len(rejection.columns):
        rejection = None

    def report(w: str, row: dict) -> None:
        if progress:
            print(f"smc {w}: generation {row['generation']}/{generations}, epsilon {row['epsilon']:.3f} "
                  f"({row['rule']}), accepted {row['accepted']}/{row['simulations'] or row['accepted']}, "
                  f"ESS {row['ess']:.1f}, {row['seconds']:.1f} s", file=sys.stderr, flush=True)

    def run(executor, chunks):
        sims = {w: EngineSimulator(spec.scenario, w, priors[w].names, record, spec.fixed, executor, chunks, tie_break)
                for w in worlds}
        return smc(sims, priors, population=population, generations=generations, seed=seed, start=starts, alpha=alpha,
                   kernel=kernel, move=move, scale=scale, progress=report)

    if progress:
        print(f"smc: {len(worlds)} model(s) x {generations} generation(s) x {population} runs "
              f"= {len(worlds) * generations * population:,} runs, from the {len(table) // len(worlds):,} runs per "
              f"model of {calib}", file=sys.stderr, flush=True)
    if workers is None:
        from sim.runs.executors import default_workers

        workers = default_workers()
    n_workers = workers
    t_sim = time.perf_counter()
    if n_workers > 1:
        from sim.runs.executors import open_executor

        with open_executor("local", n_workers) as handle:
            results = run(handle.executor, n_workers)
    else:
        results = run(None, 1)
    sim_seconds = time.perf_counter() - t_sim

    out = Path(out) if out is not None else calib / SMC_DIR
    out.mkdir(parents=True, exist_ok=True)
    pop = population_frame(results, record=record)
    _atomic_write(out / "population.parquet", _parquet_bytes(pop))
    _atomic_write(out / "generations.parquet", _parquet_bytes(population_frame(results, True, record)))
    sched = schedule_frame(results)
    _atomic_write(out / "schedule.csv", sched.to_csv(index=False, float_format="%.6g").encode())
    marg = marginals(results, priors, rejection)
    _atomic_write(out / "marginals.csv", marg.to_csv(index=False, float_format="%.6g").encode())
    summ = {
        "calibration": str(calib), "calibration_hash": manifest.get("calibration_hash"), "spec_path": str(spec_path),
        "command": command, "record": str(calib / "record.csv" if (calib / "record.csv").is_file() else spec.record),
        "settings": {"generations": generations, "population": population, "seed": seed, "alpha": alpha,
                     "move": move, "kernel": kernel, "kernel_scale": scale, "tie_break": tie_break,
                     "workers": n_workers,
                     "min_accepted": max(2, population // 20)},
        "distance": "patterns of the record not matched + tie-breaker 0.5*s/(1+s) (s: mean excess of the continuous "
                    "features beyond tolerance, in tolerances)" if tie_break else "patterns of the record not matched",
        "rejection_rule": rule, "rejection_k_star": k_star,
        "rejection_epsilon": (len(patterns(record)) - k_star + TIE_WEIGHT) if k_star is not None else 0.0,
        "budget": {w: {"start_runs": int(starts[w].simulations), "simulations": results[w].simulations,
                       "new_simulations": int(sum(results[w].simulations))} for w in worlds},
        "note": note, "seconds": round(time.perf_counter() - t_start, 1), "simulation_seconds": round(sim_seconds, 1),
        "results": {},
    }
    for w in worlds:
        m = marg[marg["world"] == w]
        fin = results[w].final
        last = results[w].schedule[-1]
        summ["results"][w] = {
            "epsilon": [float(r["epsilon"]) for r in results[w].schedule],
            "particles": len(fin), "ess": round(fin.ess, 1), "final_rule": last["rule"],
            "patterns_matched_mean": float(fin.weight @ patterns_of_distance(fin.distance, record)),
            "median_narrower_than_prior": float(m["narrower_than_prior"].median()),
            "chance_narrower": float(m["chance_narrower"].iloc[0]) if len(m) else None,
            "parameters_narrower_than_chance": int((m["narrower_than_prior"] > m["chance_narrower"]).sum()),
            "median_narrower_than_rejection": float(m["narrower_than_rejection"].median())
            if m["narrower_than_rejection"].notna().any() else None,
        }
    _atomic_write(out / "summary.json", (json.dumps(summ, indent=2, default=str) + "\n").encode())
    return SMCFolderResult(out, results, format_summary(summ, marg))


def format_summary(summ: dict, marg: pd.DataFrame, top: int = 5) -> str:
    """The plain-text summary ``spiral smc`` prints."""
    s = summ["settings"]
    lines = [f"ABC-SMC per model from {summ['calibration']}: {s['generations']} generation(s) x {s['population']} runs "
             f"per model (equal budgets; move {s['move']}, kernel {s['kernel']}, alpha {s['alpha']}, "
             f"seed {s['seed']}); "
             f"{summ['simulation_seconds']:.0f} s of simulation",
             f"distance: {summ['distance']}; the rejection's rule corresponds to distance <= "
             f"{summ['rejection_epsilon']:g}"]
    if summ.get("note"):
        lines.append("note: " + summ["note"])
    W = max([20] + [len(w) for w in summ["results"]])
    head = (f"{'model':{W}s} {'start runs':>10s} {'new runs':>9s} {'epsilon: start -> final':>24s} {'particles':>9s} "
            f"{'ESS':>7s} {'patterns':>8s} {'narrower vs prior':>17s} {'by chance':>9s} {'vs rejection':>12s}")
    lines += ["", head, "-" * len(head)]
    for w, r in summ["results"].items():
        b = summ["budget"][w]
        vr = r["median_narrower_than_rejection"]
        eps = f"{r['epsilon'][0]:.3f} -> {r['epsilon'][-1]:.3f}"
        vrs = f"{vr:.1%}" if vr is not None else "n/a"
        lines.append(f"{w:{W}s} {b['start_runs']:>10,d} {b['new_simulations']:>9,d} {eps:>24s} {r['particles']:>9d} "
                     f"{r['ess']:>7.1f} {r['patterns_matched_mean']:>8.2f} {r['median_narrower_than_prior']:>17.1%} "
                     f"{r['chance_narrower']:>9.1%} {vrs:>12s}")
    lines += ["", "narrower: median over parameters of 1 - (90% interval width) / (the prior's, the rejection "
              "posterior's); by chance: the same for as many independent prior draws as the ESS (a narrowing no "
              "larger is no evidence); ESS counts distinct parameter vectors; patterns: mean number of the record's "
              "patterns matched by the final population"]
    for w, m in marg.groupby("world", sort=False):
        t = m.sort_values("narrower_than_prior", ascending=False).head(top)
        ess = summ["results"][w]["ess"]
        if ess < 10:
            lines.append(f"{w}: WARNING: ESS {ess:.1f} - the population rests on a handful of parameter vectors "
                         "(with move pmc: importance weights collapsed); its intervals are not a posterior's, do not "
                         "read them")
        n_beyond = int((m["narrower_than_prior"] > m["chance_narrower"]).sum())
        lines.append(f"{w}: {n_beyond} of {len(m)} parameters narrower than chance; most narrowed: "
                     + ", ".join(f"{p} {v:.0%}" for p, v in zip(t["parameter"], t["narrower_than_prior"])))
    return "\n".join(lines)


__all__ = ["BoxPrior", "EngineSimulator", "KERNELS", "Kernel", "OUTPUTS", "Population", "SMCError", "SMCFolderResult",
           "SMCResult", "Start", "check_equal_budgets", "distance", "format_summary", "generation_seeds", "marginals",
           "null_prior", "patterns", "patterns_of_distance", "population_frame", "schedule_frame", "smc", "smc_folder",
           "spec_prior", "tie_breaker", "weighted_quantile"]
