"""A toy model for the tests of the sweep machinery: two actors, beliefs and tension — *not* the theory.

Small, fast and deterministic, so that the tests of sweeps (tests/test_sweep_*.py) test the machinery and take
seconds. Importing this module registers it as the sweep model ``toy`` (``model: toy`` in a spec;
:func:`sim.runs.sweep.register_model`). ``python tests/sweep_toy.py SPEC ...`` is ``python -m sim.runs.sweep
SPEC ...`` with the toy registered (the tests that run a sweep in a subprocess use it).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim.calendar import parse_quarter, quarter_label
from sim.runs.sweep import Backend, LoadedScenario, ParamSpec, SpecError, register_model

TOY_WORLDS = ("security_dilemma", "deterrence", "provocation", "revisionist_spiral")
# (greedy West, greedy Russia, revisionist pair): the toy's crude reading of the four types
_TOY_TYPES = {
    "security_dilemma": (0.0, 0.0, 0.0),
    "deterrence": (0.0, 1.0, 0.0),
    "provocation": (1.0, 0.0, 0.0),
    "revisionist_spiral": (0.0, 0.0, 1.0),
}
TOY_PARAMETERS = {
    "misperception": ParamSpec(0.3, 0.0, 1.0, "hostile acts read as more revealing than they are"),
    "distinguishability": ParamSpec(0.5, 0.0, 1.0, "how informative postures are"),
    "empathy": ParamSpec(0.5, 0.0, 1.0, "discount of acts that the other's insecurity explains"),
    "greed": ParamSpec(0.5, 0.0, 1.0, "weight of greed in greedy types"),
    "status_weight": ParamSpec(0.5, 0.0, 1.0, "weight of status in insecurity"),
    "noise": ParamSpec(0.05, 0.0, 0.5, "sd of the quarterly shock"),
    "delay": ParamSpec(0.0, 0.0, 10.0, "seconds each run sleeps (tests of interruption)"),
    "work": ParamSpec(0, 0, 100000, "extra arithmetic per step (benchmarks: emulate a costlier model)"),
    "inert": ParamSpec(0.5, 0.0, 1.0, "a dummy with no effect at all (checks of sensitivity methods)"),
    "fail": ParamSpec(0.0, 0.0, 1.0, "1 = the run raises (tests of failure reporting)"),
}
# dated 'enlargement' pulses of the toy (quarters), a stand-in for scripted history
_TOY_PULSES = {parse_quarter(q): v for q, v in
               {"1994Q1": 0.3, "1999Q1": 0.5, "2004Q2": 0.4, "2008Q2": 0.6, "2014Q1": 0.5}.items()}


class ToyModel(mesa.Model):
    """A two-actor toy of beliefs and tension — *not* the theory; a deterministic stand-in for tests.

    Each quarter both sides update a belief that the other is hostile from its arming, amplified by
    misperception and discounted by empathy; dated pulses (enlargement-like) hit Russia's insecurity,
    weighted by ``status_weight``; greedy types arm more. Tension is the mean of the two beliefs and the
    normalised arming. Randomness: one stream, the Mesa model's ``rng``.
    """

    def __init__(self, world="revisionist_spiral", misperception=0.3, distinguishability=0.5, empathy=0.5,
                 greed=0.5, status_weight=0.5, noise=0.05, delay=0.0, work=0, inert=0.5, fail=0.0,
                 start="1992Q1", end="2025Q4", rng=None):
        super().__init__(rng=rng)
        if fail >= 1:
            raise RuntimeError("the toy model was asked to fail (fail=1)")
        if world not in _TOY_TYPES:
            raise ValueError(f"unknown world {world!r}")
        self.world = world
        self.greedy_west, self.greedy_russia, self.revisionist = _TOY_TYPES[world]
        self.misperception, self.distinguishability, self.empathy = misperception, distinguishability, empathy
        self.greed, self.status_weight, self.noise = greed, status_weight, noise
        self.delay, self.work = float(delay), int(work)
        self.quarter = parse_quarter(start)
        self.end = parse_quarter(end)
        self.b_russia = 0.35  # Russia's belief that NATO is hostile
        self.b_nato = 0.35
        self.arms_russia = 0.3
        self.arms_nato = 0.3
        self.insecurity = 0.2
        self.tension = 0.0
        self.datacollector = mesa.DataCollector(model_reporters={
            "date": lambda m: quarter_label(m.quarter),
            "year": lambda m: m.quarter / 4.0,
            "tension": "tension",
            "trust_russia_in_nato": lambda m: 1.0 - m.b_russia,
            "trust_nato_in_russia": lambda m: 1.0 - m.b_nato,
            "russia_insecurity": "insecurity",
            "russia_arming": "arms_russia",
        })
        if self.delay:
            time.sleep(self.delay)

    def step(self):
        if self.quarter > self.end:
            self.running = False
            return
        r = self.rng
        pulse = _TOY_PULSES.get(self.quarter, 0.0)
        self.insecurity += -0.05 * self.insecurity + self.status_weight * pulse * (1 + self.revisionist)
        lr = 1.0 + self.distinguishability * (self.arms_nato - 0.3) + self.misperception * 0.5
        lr *= 1.0 - 0.5 * self.empathy * self.insecurity / (1 + self.insecurity)
        lr_n = 1.0 + self.distinguishability * (self.arms_russia - 0.3) + self.misperception * 0.5
        self.b_russia = _clip(self.b_russia * lr / (self.b_russia * lr + (1 - self.b_russia)), 0.01, 0.99)
        self.b_nato = _clip(self.b_nato * lr_n / (self.b_nato * lr_n + (1 - self.b_nato)), 0.01, 0.99)
        # type switching keeps beliefs from locking (docs/theory.md §9)
        self.b_russia = 0.35 + 0.9 * (self.b_russia - 0.35)
        self.b_nato = 0.35 + 0.9 * (self.b_nato - 0.35)
        target_r = 0.2 + 0.5 * self.b_russia + 0.3 * self.insecurity + self.greed * self.greedy_russia * 0.4
        target_n = 0.2 + 0.5 * self.b_nato + self.greed * self.greedy_west * 0.4
        self.arms_russia += 0.2 * (target_r - self.arms_russia) + self.noise * float(r.normal())
        self.arms_nato += 0.2 * (target_n - self.arms_nato) + self.noise * float(r.normal())
        self.tension = (self.b_russia + self.b_nato) / 2 + 0.25 * math.tanh(self.arms_russia + self.arms_nato - 0.6)
        if self.work:
            acc = 0.0
            for i in range(self.work):
                acc += math.sin(i * self.tension)
            self.tension += acc * 1e-18
        self.datacollector.collect(self)
        self.quarter += 1
        if self.quarter > self.end:
            self.running = False



def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def toy_model_class():
    """The toy's Mesa model class."""
    return ToyModel


def run_toy(world: str, seed: int, parameters: Mapping[str, Any] | None = None,
            start: str = "1992Q1", end: str = "2025Q4") -> pd.DataFrame:
    """One run of the toy model -> observables (one row per quarter)."""
    model = ToyModel(world=world, rng=seed, start=start, end=end, **dict(parameters or {}))
    while model.running:
        model.step()
    obs = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    obs.insert(0, "step", np.arange(len(obs), dtype=np.int64))
    return obs


class ToyBackend(Backend):
    name = "toy"

    def worlds(self):
        return TOY_WORLDS

    def parameters(self):
        return TOY_PARAMETERS

    def observables(self):
        return ("step", "date", "year", "tension", "trust_russia_in_nato", "trust_nato_in_russia",
                "russia_insecurity", "russia_arming")

    def needs_scenario(self):
        return False

    def load_scenario(self, path):
        if path is not None:
            raise SpecError(f"{path}: the toy model takes no scenario")
        return LoadedScenario(None, "toy", "toy-v1", "", parse_quarter("1992Q1"), parse_quarter("2025Q4"))

    def run(self, scenario, world, seed, parameters, horizon):
        return run_toy(world, seed, parameters, end=quarter_label(horizon) if horizon else "2025Q4")

    def model_class(self):
        return ToyModel


if __name__ == "__main__":
    # registered under its importable name (not __main__), so that worker processes can unpickle the backend
    import sweep_toy  # noqa: F401
    from sim.runs.sweep import main

    sys.exit(main())
else:
    register_model(ToyBackend())
