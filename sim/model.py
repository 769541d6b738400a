"""The Mesa model (layer 4): :class:`SpiralModel` is the engine (:mod:`sim.engine`) with one run.

Its keyword arguments are the run's settings, :meth:`SpiralModel.step` advances the engine by one quarter
(decide → evolve → perceive → record, see :mod:`sim.engine.step`), the agents are named views of row 0 of
the engine's state, the alliance network is a Mesa ``Network``, and a Mesa ``DataCollector`` collects the
observables. The dashboard drives this class; batches of runs (ensembles, sweeps, calibration) use the same
engine directly, never a second copy of the model.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network

from sim.agents import AllianceAgent, StateAgent
from sim.calendar import quarter_label
from sim.engine import Engine, make_batch
from sim.engine.record import EVENT_COLUMNS, OBSERVABLES
from sim.mechanisms.observables import REGIMES
from sim.mechanisms.security import ASPIRANT, MEMBER, PARTNER
from sim.scenario import Scenario, load_scenario

DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "historical.yaml"
MODEL_REPORTERS = OBSERVABLES


class WorldView:
    """Row 0 of the engine's state: ``model.world.alignment`` is the ``[N]`` alignment of the one run,
    ``model.world.centrality`` its centrality. Arrays are views: writing into them writes the state."""

    def __init__(self, engine: Engine):
        object.__setattr__(self, "_engine", engine)

    def __getattr__(self, name):
        value = getattr(self._engine.state, name)
        if isinstance(value, np.ndarray):
            return value[0]
        raise AttributeError(name)

    def __setattr__(self, name, value):
        getattr(self._engine.state, name)[0] = value


class SpiralModel(mesa.Model):
    """The NATO–Russia spiral, one run.

    Args:
        scenario: a :class:`~sim.scenario.Scenario` or a path to a scenario YAML file
            (default ``scenarios/historical.yaml``).
        world: one of ``security_dilemma``, ``deterrence``, ``provocation``, ``revisionist_spiral``.
        seed: the run's seed; every random draw is keyed by (seed, agent, mechanism, step).
        parameters: overrides of :data:`sim.params.PARAMETERS` (validated).
        network: build the Mesa ``Network`` of states and alliances and the agents on it (the dashboard
            needs them; a run without them is the same run).
    """

    def __init__(self, scenario: Scenario | str | Path | None = None, world: str = "revisionist_spiral",
                 seed: int = 0, parameters: dict | None = None, network: bool = True):
        super().__init__(rng=seed)
        if scenario is None:
            scenario = DEFAULT_SCENARIO
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.spiral_scenario = scenario
        self.world_name = world
        self.seed = int(seed)
        self.engine = Engine(make_batch(scenario, world, [self.seed], parameters))
        self.cw = self.engine.batch.cw
        self.p = {k: float(v[0]) for k, v in self.engine.batch.pr.items()}
        self.types = {"leader": self.engine.batch.types[0][0], "russia": self.engine.batch.types[0][1]}
        self.world = WorldView(self.engine)
        self.alliance_rule = {a.id: a.rule for a in scenario.alliances}
        self.n_steps = scenario.n_steps
        self._events_seen, self._event_log = 0, []
        self._build_network(network)
        self.datacollector = mesa.DataCollector(model_reporters={name: name for name in MODEL_REPORTERS})
        self.running = True

    # ------------------------------------------------------------------ the step

    def step(self):
        """One quarter: the engine's step for this run, then the collector and the network's ties."""
        obs = self.engine.step()
        for name, value in obs.items():
            v = value[0]
            setattr(self, name, REGIMES[int(v)] if name == "regime" else v.item())
        self.datacollector.collect(self)
        if self.network is not None:
            self.refresh_network_edges()
        if self.engine.done:
            self.running = False

    def run(self):
        while self.running:
            self.step()
        return self

    # ------------------------------------------------------------------ views

    @property
    def quarter(self) -> int:
        """Index (0-based) of the quarter being simulated or last simulated."""
        return max(0, self.steps - 1)

    @property
    def date_label(self) -> str:
        return quarter_label(self.spiral_scenario.start + self.quarter)

    @property
    def event_log(self) -> list[dict]:
        """The run's events so far, one dict each (step, date, kind, actor, target, scripted, cause,
        event_id)."""
        rows = self.engine.log.rows
        if len(rows) > self._events_seen:
            start = self.spiral_scenario.start
            for r in rows[self._events_seen:]:
                d = dict(zip(EVENT_COLUMNS[1:], r[1:]))
                d["date"] = quarter_label(start + d["step"])
                self._event_log.append({c: d[c] for c in ("step", "date", "kind", "actor", "target", "scripted",
                                                          "cause", "event_id")})
            self._events_seen = len(rows)
        return self._event_log

    @property
    def decision_logliks(self) -> list[dict]:
        return [{"event_id": e, "step": st, "loglik": ll, "yes": y, "members": m}
                for _, e, st, ll, y, m in self.engine.rec.decisions]

    def members_of(self, alliance_id: str) -> list[str]:
        w, cw = self.world, self.cw
        if alliance_id == "NATO":
            mask = (w.ladder == MEMBER) & w.exists
        elif alliance_id == "CSTO":
            mask = w.csto & w.exists
        elif any(a.id == alliance_id and a.kind == "union" for a in self.spiral_scenario.alliances):
            mask = (w.eu_level == 2) & w.exists
        else:
            k = next((k for k, a in enumerate(self.spiral_scenario.alliances) if a.id == alliance_id), None)
            if k is None:
                return []
            mask = self.engine.state.members[0, k]
        return sorted(cw.iso3[i] for i in np.flatnonzero(mask))

    def threat_edges(self, min_weight: float = 0.02) -> list[tuple[str, str, float]]:
        """Russia's perceived-threat edges (the West's bloc members it borders) and others' threat from
        Russia, for drawing: (from, to, weight)."""
        w, cw = self.world, self.cw
        out = []
        r = cw.iso3[cw.rus]
        for i in np.flatnonzero(w.threat_from_russia >= min_weight):
            out.append((r, cw.iso3[i], float(w.threat_from_russia[i])))
        nato = (w.ladder == MEMBER) & w.exists
        for i in np.flatnonzero(nato & (cw.border_km[cw.rus] > 0)):
            out.append((cw.iso3[i], r, float(w.threat_to_russia)))
        return out

    # ------------------------------------------------------------------ the alliance network

    def _build_network(self, build: bool):
        """Alliance network: integer nodes (states 0..N-1, then alliances), names as attributes; layers of
        edges: border (with km), member, partner, aspiration."""
        cw, s = self.cw, self.spiral_scenario
        G = nx.Graph()
        for i, st in enumerate(s.states):
            G.add_node(i, name=st.iso3, kind="state", pos=st.position)
        self.alliance_nodes = {}
        for k, a in enumerate(s.alliances):
            node = cw.n + k
            self.alliance_nodes[a.id] = node
            G.add_node(node, name=a.id, kind=a.kind)
        for b in s.borders:
            G.add_edge(cw.index[b.a], cw.index[b.b], layer="border", km=b.km)
        self.graph = G
        self.network = None
        self._edges_key = None
        self.refresh_network_edges()
        self.network = Network(G, random=self.random, layout=None) if build else None
        self.state_agents: list[StateAgent] = []
        self.alliance_agents: list[AllianceAgent] = []
        if build:
            cells = self.network._cells
            for i, st in enumerate(s.states):
                self.state_agents.append(StateAgent(self, i, st, cells[i]))
            for a in s.alliances:
                self.alliance_agents.append(AllianceAgent(self, a, cells[self.alliance_nodes[a.id]]))

    def refresh_network_edges(self):
        """Rebuild the membership / partnership / aspiration layers from the current state (only when the
        ties changed)."""
        G, w, cw = self.graph, self.world, self.cw
        key = w.ladder.tobytes() + w.csto.tobytes()
        if key == self._edges_key:
            return
        self._edges_key = key
        drop = [(u, v) for u, v, d in G.edges(data=True) if d.get("layer") != "border"]
        G.remove_edges_from(drop)
        nato = self.alliance_nodes["NATO"]
        for i in range(cw.n):
            lvl = int(w.ladder[i])
            if lvl == MEMBER:
                G.add_edge(i, nato, layer="member")
            elif lvl == PARTNER:
                G.add_edge(i, nato, layer="partner")
            elif lvl >= ASPIRANT:
                G.add_edge(i, nato, layer="aspiration")
            if w.csto[i] and "CSTO" in self.alliance_nodes:
                G.add_edge(i, self.alliance_nodes["CSTO"], layer="member")
