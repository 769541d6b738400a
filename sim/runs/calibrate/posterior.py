"""Runs of a calibrated world: each seed's parameters drawn from that world's posterior (issue 11).

``spiral run|compare|attribute --posterior CALIB_DIR`` and the dashboard's calibrated worlds all go through
:func:`posterior_parameters`: seed ``s`` of world ``w`` takes one accepted draw of the calibration folder,
chosen by inverse-CDF sampling of the posterior weights at ``u(s)``, a uniform number made from the seed
alone (SHA-256 of the seed, not Python's salted ``hash``). So the choice is reproducible on any machine,
independent of the other seeds asked for, and — ``u(s)`` being the same in every world — the worlds' draws
for one seed are coupled (common random numbers), as the paired seeds are.

The posterior of a world (``posterior.parquet`` of the calibration folder: ``world, draw, weight``) gives
each draw the number of its seeds that passed the acceptance rule (rejection ABC; ``weight_m8``: the same
times exp(M8 log-likelihood of NATO's recorded decisions), when asked for); the parameter vectors are the
prior table ``draws.parquet`` (``draw`` and one column per free parameter), the same rows for every world.
A parameter that is not free in the calibration keeps its default (or the scenario's value). The null
model has its own draws (``null_draws.parquet``): :func:`posterior_parameters` gives its parameters too (for
its posterior predictive, :func:`sim.runs.calibrate.null.simulate_null`), but it is not an agent model and
cannot drive ``spiral run``.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import SpiralError

DRAWS = "draws.parquet"
NULL_DRAWS = "null_draws.parquet"
POSTERIOR = "posterior.parquet"
MANIFEST = "manifest.json"
NULL_WORLD = "null"


class PosteriorError(SpiralError, ValueError):
    """The folder is not a calibration, or a world has no accepted draw: one line."""


def seed_uniform(seed: int) -> float:
    """A uniform number in [0, 1) from the seed alone (the first 53 bits of SHA-256 of ``posterior:<seed>``)."""
    h = hashlib.sha256(f"posterior:{int(seed)}".encode()).digest()
    return (int.from_bytes(h[:8], "big") >> 11) / float(1 << 53)


def _is_calibration(d: Path) -> bool:
    return (d / DRAWS).is_file() and (d / POSTERIOR).is_file()


def check_calibration(calib_dir) -> Path:
    """The folder, if it holds a calibration's prior draws and posterior; a one-line error otherwise."""
    d = Path(calib_dir)
    if not d.is_dir():
        raise PosteriorError(f"--posterior {d}: no such folder" if not d.exists() else f"--posterior {d}: not a folder")
    if not _is_calibration(d):
        missing = ", ".join(f for f in (DRAWS, POSTERIOR) if not (d / f).is_file())
        raise PosteriorError(f"--posterior {d}: not a calibration folder (no {missing}; write one with "
                             "'spiral calibrate SPEC --out DIR')")
    return d


@lru_cache(maxsize=8)
def _tables(path: str, mtimes: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    d = Path(path)
    draws = pd.read_parquet(d / DRAWS)
    post = pd.read_parquet(d / POSTERIOR)
    for name, df, cols in ((DRAWS, draws, ("draw",)), (POSTERIOR, post, ("world", "draw", "weight"))):
        missing = [c for c in cols if c not in df]
        if missing:
            raise PosteriorError(f"--posterior {d}: {name} has no column {', '.join(missing)} (not a calibration "
                                 "written by 'spiral calibrate')")
    return draws.set_index("draw", drop=True), post


def load(calib_dir) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(prior draws indexed by ``draw``, posterior table ``world, draw, weight[, weight_m8]``) of a folder."""
    d = check_calibration(calib_dir).resolve()
    return _tables(str(d), tuple((d / f).stat().st_mtime_ns for f in (DRAWS, POSTERIOR)))


def calibrated_worlds(calib_dir) -> list[str]:
    """The agent-model worlds of a calibration (the null model left out): those of its manifest's budget (the
    posterior table lists only worlds with an accepted draw), else those of the posterior."""
    d = Path(calib_dir)
    _, post = load(d)
    names = list(post["world"])
    m = d / MANIFEST
    if m.is_file():
        try:
            names = list((json.loads(m.read_text()).get("budget") or {}).get("worlds") or []) + names
        except ValueError:
            pass
    return [w for w in dict.fromkeys(names) if w != NULL_WORLD]


def posterior_weights(calib_dir, world: str, m8: bool = False) -> pd.Series:
    """The posterior weight of every accepted draw of ``world`` (index ``draw``, positive values, sorted by
    draw); a one-line error for an unknown world or a world with no accepted draw."""
    d = Path(calib_dir)
    _, post = load(d)
    if world == NULL_WORLD and (NULL_WORLD in set(post["world"]) or (d / NULL_DRAWS).is_file()):
        pass  # the null model's posterior (its own draws)
    else:
        _check_agent_world(d, world)
    col = "weight_m8" if m8 else "weight"
    if col not in post:
        raise PosteriorError(f"--posterior {d}: {POSTERIOR} has no {col} column")
    w = post.loc[post["world"] == world, ["draw", col]]
    w = w[np.isfinite(w[col]) & (w[col] > 0)].groupby("draw")[col].sum().sort_index()
    if not len(w):
        raise PosteriorError(f"--posterior {d}: world {world!r} has no accepted draw (no run of it passed the "
                             "acceptance rule); it cannot be run calibrated")
    return w


def prior_weights(calib_dir, world: str) -> pd.Series:
    """Every prior draw of ``world`` with weight 1 (the null model: its own draws): the prior predictive, the
    baseline against which a posterior is judged (``spiral heldout --prior``)."""
    d = Path(calib_dir)
    if world == NULL_WORLD:
        if not (d / NULL_DRAWS).is_file():
            raise PosteriorError(f"{d}: no {NULL_DRAWS} (the null model's draws)")
        index = pd.read_parquet(d / NULL_DRAWS, columns=["draw"])["draw"]
    else:
        _check_agent_world(d, world)
        index = load(d)[0].index
    return pd.Series(1.0, index=np.sort(np.asarray(index)))


def _check_agent_world(d: Path, world: str) -> None:
    """A one-line error unless ``world`` is an agent model of the calibration in ``d``."""
    from sim.scenario.yamlsafe import nearest

    worlds = calibrated_worlds(d)
    if world not in worlds:
        raise PosteriorError(f"--posterior {d}: world {world!r} is not in this calibration{nearest(world, worlds)} "
                             f"(it holds {', '.join(worlds) or 'no world'})")


def posterior_draws(calib_dir, world: str, seeds, m8: bool = False, prior: bool = False) -> list[int]:
    """The draw each seed takes: inverse-CDF of the posterior weights (``prior``: every prior draw alike) at
    :func:`seed_uniform` of the seed."""
    w = prior_weights(calib_dir, world) if prior else posterior_weights(calib_dir, world, m8)
    cdf = np.cumsum(w.to_numpy(dtype=float))
    cdf /= cdf[-1]
    u = np.array([seed_uniform(s) for s in seeds], dtype=float)
    k = np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)
    return [int(x) for x in w.index.to_numpy()[k]]


def posterior_parameters(calib_dir, world: str, seeds, m8: bool = False, prior: bool = False) -> list[dict]:
    """One parameter dict per seed: the free parameters of the posterior draw that seed takes (see the module
    docstring; ``prior``: a prior draw instead). The same call gives the same dicts on any machine; the other
    parameters are left to their defaults or the scenario."""
    draws, _ = load(calib_dir)
    chosen = posterior_draws(calib_dir, world, seeds, m8, prior)
    name = DRAWS
    if world == NULL_WORLD:  # the null model's own draws
        name = NULL_DRAWS
        if not (Path(calib_dir) / NULL_DRAWS).is_file():
            raise PosteriorError(f"--posterior {calib_dir}: no {NULL_DRAWS} (the null model's draws)")
        draws = pd.read_parquet(Path(calib_dir) / NULL_DRAWS).set_index("draw", drop=True)
    missing = sorted(set(chosen) - set(draws.index))
    if missing:
        raise PosteriorError(f"--posterior {calib_dir}: {name} lacks the accepted draw(s) {missing[:5]}")
    cols = [c for c in draws.columns if not str(c).startswith("_")]
    rows = draws.loc[chosen, cols]
    return [{c: float(v) for c, v in zip(cols, row)} for row in rows.itertuples(index=False, name=None)]


class PosteriorRuns:
    """Per-run parameters for :func:`sim.runs.ensemble.run_ensemble` (and so ``compare``/``attribute``):
    called with (world, seed), it gives that seed's posterior draw of that world, with ``overrides`` (e.g.
    ``--param``, the pulses-off switch) applied on top."""

    def __init__(self, calib_dir, overrides: dict | None = None, m8: bool = False):
        self.calib_dir = check_calibration(calib_dir)
        self.overrides = dict(overrides or {})
        self.m8 = m8
        self._cache: dict = {}

    def check(self, worlds, seeds) -> "PosteriorRuns":
        """Draw every (world, seed) now, so that a bad folder or a world without draws fails before any run."""
        for w in worlds:
            for s, p in zip(seeds, posterior_parameters(self.calib_dir, w, list(seeds), self.m8)):
                self._cache[(w, int(s))] = p
        return self

    def with_overrides(self, extra: dict) -> "PosteriorRuns":
        out = PosteriorRuns(self.calib_dir, {**self.overrides, **extra}, self.m8)
        out._cache = self._cache
        return out

    def __call__(self, world: str, seed: int) -> dict:
        key = (world, int(seed))
        if key not in self._cache:
            self._cache[key] = posterior_parameters(self.calib_dir, world, [int(seed)], self.m8)[0]
        return {**self._cache[key], **self.overrides}

    def describe(self, worlds, seeds) -> dict:
        """Provenance for a manifest: the folder, its manifest's hash and each world's draw per seed."""
        m = self.calib_dir / MANIFEST
        return {"calibration": str(self.calib_dir), "weights": "weight_m8" if self.m8 else "weight",
                "manifest_sha256": hashlib.sha256(m.read_bytes()).hexdigest() if m.is_file() else None,
                "draws": {w: dict(zip(map(int, seeds), posterior_draws(self.calib_dir, w, list(seeds), self.m8)))
                          for w in worlds}}

    def __repr__(self) -> str:
        return f"PosteriorRuns({str(self.calib_dir)!r}, overrides={json.dumps(self.overrides)})"


__all__ = ["PosteriorError", "PosteriorRuns", "calibrated_worlds", "check_calibration", "posterior_draws",
           "posterior_parameters", "posterior_weights", "seed_uniform"]
