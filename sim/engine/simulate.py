"""Running a batch to the end (the engine): :class:`Engine` steps one batch; :func:`simulate` runs one.

    >>> from sim.engine import simulate
    >>> res = simulate(scenario, worlds=["deterrence"] * 3 + ["security_dilemma"] * 3, seeds=[1, 2, 3] * 2)
    >>> res.observables["tension"].shape        # (6, 136): runs x quarters

A run's results never depend on the batch it ran in: every draw is keyed by (seed, agent, mechanism,
step), and every operation is elementwise over runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine import events
from sim.engine.record import EventLog, Recorder
from sim.engine.state import Batch, State, initial_state, make_batch
from sim.engine.step import perceive, step
from sim.scenario import Scenario


class Engine:
    """A batch of runs and its state, advanced one quarter at a time by :meth:`step`."""

    def __init__(self, batch: Batch, keep_states: bool = True):
        self.batch = batch
        self.state: State = initial_state(batch)
        self.log = EventLog()
        self.rec = Recorder(batch.R, batch.n_steps, batch.cw.n, keep_states)
        self.k = 0  # the next quarter to simulate
        events.schedule_scripted(batch, self.state)
        perceive(batch, self.state, 0, first=True)

    @property
    def done(self) -> bool:
        return self.k >= self.batch.n_steps

    def step(self) -> dict:
        obs = step(self.batch, self.state, self.log, self.rec, self.k)
        self.k += 1
        return obs

    def run(self) -> "Engine":
        while not self.done:
            self.step()
        return self

    def result(self) -> "BatchResult":
        b = self.batch
        return BatchResult(scenario=b.scenario, worlds=b.worlds, seeds=b.seeds, parameters=b.parameters,
                           steps=self.k, observables={k: _runs_first(v[:self.k]) for k, v in self.rec.obs.items()},
                           states=None if self.rec.states is None else
                           {k: _runs_first(v[:self.k]) for k, v in self.rec.states.items()},
                           belief_west=_runs_first(self.rec.belief_west[:self.k]), events=self.log.columns(),
                           decisions=self.rec.decision_columns(), iso3=b.cw.iso3)


def _runs_first(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.swapaxes(a, 0, 1))


@dataclass
class BatchResult:
    """What a batch recorded: ``[R, T]`` observables (``regime`` as codes into
    :data:`sim.mechanisms.observables.REGIMES`), ``[R, T, N]`` per-state tables (or None), Russia's belief
    about the West ``[R, T]``, and the event and decision logs as columns with a ``run`` column."""

    scenario: Scenario
    worlds: tuple
    seeds: np.ndarray
    parameters: tuple
    steps: int
    observables: dict
    states: dict | None
    belief_west: np.ndarray
    events: dict
    decisions: dict
    iso3: tuple

    @property
    def R(self) -> int:
        return len(self.seeds)


def simulate(scenario: Scenario, worlds, seeds, parameters=None, keep_states: bool = True) -> BatchResult:
    """Run a batch to the end of its scenario. ``worlds`` and ``parameters`` are one value for every run or
    one per run (a sequence as long as ``seeds``)."""
    return Engine(make_batch(scenario, worlds, seeds, parameters), keep_states).run().result()
