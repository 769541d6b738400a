"""Named random streams keyed by (seed, agent, mechanism, step) — docs/theory.md §4.

Each draw is a pure function of its key (a SplitMix64 hash, Steele et al. 2014), so a counterfactual is
identical to its base until its first edited date and differs after only through the edit (common random
numbers), whatever the order in which agents or mechanisms are evaluated and whatever PYTHONHASHSEED is.
Agents are keyed by a stable CRC32 of their iso3; mechanisms by a CRC32 of their name.
"""

from __future__ import annotations

import zlib

import numpy as np

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def key_of(name: str) -> int:
    """Stable 32-bit key of a name (never Python's salted ``hash``)."""
    return zlib.crc32(name.encode("utf-8"))


def _splitmix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def uniform(seed, agents: np.ndarray, mechanism: str, step, draw: int = 0) -> np.ndarray:
    """Uniform(0, 1) draws, one per agent key, for this (seed, mechanism, step, draw).

    ``seed`` and ``step`` may be arrays that broadcast with ``agents`` (e.g. ``seeds[:, None]`` for a batch
    of runs, ``steps[:, None]`` for a whole run's stream): the values are the same as one by one.
    """
    agents = np.asarray(agents, dtype=np.uint64)
    step = np.asarray(step, dtype=np.int64).astype(np.uint64) & np.uint64(0xFFFFFFFF)
    seed = np.asarray(seed, dtype=np.int64).astype(np.uint64) & np.uint64(0xFFFFFFFF)
    with np.errstate(over="ignore"):
        h = _splitmix(seed * np.uint64(0x100000001B3) + np.uint64(key_of(mechanism)))
        h = _splitmix(h ^ (step << np.uint64(20)) ^ np.uint64(draw))
        x = _splitmix(h ^ (agents * np.uint64(0xD6E8FEB86659FD93)))
    return ((x >> np.uint64(11)).astype(np.float64) + 0.5) * (1.0 / 9007199254740992.0)


def normal(seed, agents: np.ndarray, mechanism: str, step) -> np.ndarray:
    """Standard normal draws (Box–Muller on two keyed uniforms)."""
    u1 = uniform(seed, agents, mechanism, step, draw=1)
    u2 = uniform(seed, agents, mechanism, step, draw=2)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def lognormal_factor(seed, agents: np.ndarray, name: str, sd) -> np.ndarray:
    """A mean-one log-normal factor exp(sd·z − sd²/2) per agent, drawn once per run from the keyed stream
    ``(seed, agent, name, 0)`` — world data perturbed per run (docs/theory.md §9: world data are stress-tested
    like parameters). ``seed`` ``[R, 1]`` and ``sd`` ``[R, 1]`` give ``[R, N]``; ``sd`` 0 gives exactly 1. With
    paired seeds the same replicate is perturbed in the same direction at every design point, so a sweep of
    ``sd`` scales one perturbation."""
    sd = np.asarray(sd, dtype=float)
    return np.exp(sd * normal(seed, agents, name, 0) - sd * sd / 2.0)
