"""The Mesa model (layer 3): wires the mechanisms, the alliance network and the dated events together
and collects the observables. Thin: the theory lives in :mod:`sim.mechanisms`.

One step is one quarter. Scheduled events for a quarter fire (Mesa event scheduling) just before its step.
Each step:

1. **decide** — every actor decides from what it perceived at the end of the previous step (a generic
   one-step lag, THEORY §9): stances (M5), answers to pending offers (M5/M7), proposals, coercion and force
   (M9), applications and alignment (M7), arming targets (M6);
2. **evolve** — economy and capability (M1), frozen conflicts and memories decay;
3. **perceive** — threat (M2), insecurity (M3), the harm each side's acts did, beliefs (M4);
4. **record** — observables; conditional events whose condition now holds are scheduled.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from pathlib import Path

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network

from sim import effects
from sim.agents import AllianceAgent, StateAgent
from sim.calendar import quarter_label
from sim.mechanisms import (alliance, arming, beliefs, capacity, coercion, observables, order, paradigms,
                            security, small_states, stance, threat)
from sim.mechanisms.randomness import Streams, normal
from sim.mechanisms.security import ASPIRANT, MEMBER, PARTNER, PROTECTION
from sim.params import resolve
from sim.scenario import Scenario, load_scenario
from sim.scenario.compiled import compile_world
from sim.worlds import motive, world_types

DEFAULT_SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "historical.yaml"



class FastCollector(mesa.DataCollector):
    """Mesa's DataCollector for model-level reporters named by attribute, without the per-value deepcopy
    (our reporters are immutable floats, ints and strings): same tables, same API, a fraction of the cost."""

    def collect(self, model):
        fast = self.__dict__.get("_fast")
        if fast is None:  # decided once: only attribute-named model reporters take the fast path
            ok = (self.model_reporters and not self.agent_reporters and not self.agenttype_reporters
                  and all(isinstance(r, str) for r in self.model_reporters.values()))
            fast = self._fast = (operator.attrgetter(*self.model_reporters.values()),
                                 [self.model_vars[v].append for v in self.model_reporters]) if ok else False
        if fast:
            if hasattr(self, "_collection_steps"):  # read by mesa.batch_run
                self._collection_steps.append(model.time)
            values = fast[0](model)
            for append, value in zip(fast[1], values if len(fast[1]) > 1 else (values,)):
                append(value)
            return
        super().collect(model)


@dataclass
class WorldState:
    """Mutable state of all states (arrays indexed like ``CompiledWorld.iso3``) and of the order."""

    exists: np.ndarray
    gdp: np.ndarray
    gdp_peak: np.ndarray
    capacity: np.ndarray
    effort: np.ndarray
    capability: np.ndarray
    alignment: np.ndarray
    democracy: np.ndarray
    ladder: np.ndarray
    eu_level: np.ndarray
    csto: np.ndarray
    demand: np.ndarray
    applied: np.ndarray
    belief_about_russia: np.ndarray   # b_i,RUS for every state i
    prior_about_russia: np.ndarray
    belief_about_west: float          # Russia's b_RUS,West
    stance: np.ndarray                # 1 cooperate / 0 defect toward the rival
    insecurity: np.ndarray
    threat_from_russia: np.ndarray
    foothold: np.ndarray
    frozen: np.ndarray
    coercing: np.ndarray
    regime_memory: np.ndarray
    expected_join: np.ndarray
    pressure: np.ndarray
    function: float
    atrophy: float
    offense_west: float = 1.0
    posture: dict = field(default_factory=dict)
    force_memory: float = 0.0
    common_threat: float = 0.0
    identity: float = 0.0
    centrality: float = 0.0
    expected_centrality: float = 0.0
    reference_centrality: float = 0.0
    west_reference_centrality: float = 0.0
    voice: float = 0.0
    last_force_step: float = -1e9
    last_proposal_step: float = -1e9
    russia_components: dict = field(default_factory=dict)
    threat_to_russia: float = 0.0


class SpiralModel(mesa.Model):
    """The NATO–Russia spiral.

    Args:
        scenario: a :class:`~sim.scenario.Scenario` or a path to a scenario YAML file
            (default ``scenarios/historical.yaml``).
        world: one of ``security_dilemma``, ``deterrence``, ``provocation``, ``revisionist_spiral``.
        seed: the run's seed; every random draw is keyed by (seed, agent, mechanism, step).
        parameters: overrides of :data:`sim.params.PARAMETERS` (validated).
        network: build the Mesa ``Network`` of states and alliances (needed by the dashboard, cheap).
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
        self.p = resolve(scenario.parameters, parameters)
        types = dict(world_types(world))
        cw = self.cw = compile_world(scenario)
        over = scenario.type_overrides
        self.types = {"leader": over.get(cw.iso3[cw.usa], types["leader"]),
                      "russia": over.get(cw.iso3[cw.rus], types["russia"])}
        self.motive_west = motive(self.types["leader"], "leader", self.p)
        self.motive_russia = motive(self.types["russia"], "russia", self.p)
        self.alliance_rule = {a.id: a.rule for a in scenario.alliances}
        self.inst_members: dict[str, set] = {}
        self.event_log: list[dict] = []
        self.pending_offers: list = []
        self.condition_state: dict[str, int] = {}
        self.fired: set[str] = set()
        self._due: dict[int, list] = {}
        self.decision_logliks: list[dict] = []
        self.world = self._initial_state()
        self._build_network(network)
        for step, evs in cw.events_by_step.items():
            self._due.setdefault(step, []).extend(evs)
        for step in sorted(self._due):
            self.schedule_event(self._fire_due_events, at=step + 0.5)
        self.running = True
        self.n_steps = scenario.n_steps
        self.streams = Streams(self.seed, cw.agent_keys, self.n_steps)
        self._force_log: list[tuple[int, str]] = []
        self._cache_key, self._cache_val = None, None
        self._coerced_now = np.zeros(0, dtype=int)
        self._nato_power_key, self._nato_power_val, self._phase = None, 0.0, "init"
        self._cond_version, self._cond_cache = 0, {}
        self._borders_key = None
        self._structure_key, self._structure_val = None, None
        self._peace_floor = np.full(cw.n, self.p["peace_burden"])
        self._peak_decay = 0.5 ** (1.0 / (4.0 * self.p["fiscal_reference_years"]))
        self._voiced = tuple(a for a in scenario.alliances if a.voice > 0)
        self._seats = None
        self._coercion_log: list[tuple[int, str]] = []
        self._init_records()
        self._perceive(first=True)

    # ------------------------------------------------------------------ set-up

    def _initial_state(self) -> WorldState:
        cw, s, p = self.cw, self.spiral_scenario, self.p
        n = cw.n
        specs = s.states
        effort = np.array([st.burden / 100.0 for st in specs])
        gdp0 = cw.gdp[0].copy()
        ladder = np.zeros(n, dtype=np.int64)
        csto = np.zeros(n, dtype=bool)
        eu = np.zeros(n, dtype=np.int64)
        for a in s.alliances:
            idx = [cw.index[m] for m in a.members]
            if a.id == "NATO":
                ladder[idx] = MEMBER
            elif a.id == "CSTO":
                csto[idx] = True
            elif a.kind == "union":
                eu[idx] = 2
            else:
                self.inst_members[a.id] = set(a.members)
        for a in s.alliances:
            if a.id == "PFP":
                for m in a.members:
                    i = cw.index[m]
                    ladder[i] = max(ladder[i], PARTNER)
        foothold = np.zeros(n)
        for f in s.forces:
            if f.by == cw.iso3[cw.rus] and f.since <= s.start:
                foothold[cw.index[f.host]] = 1.0
        self._later_forces = [f for f in s.forces if f.since > s.start]
        prior = np.array([st.prior_about_russia for st in specs])
        w = WorldState(
            exists=cw.exists[0].copy(), gdp=gdp0, gdp_peak=gdp0.copy(), capacity=np.ones(n), effort=effort,
            capability=capacity.initial_capability(np.array([st.cinc for st in specs]), effort, gdp0, cw.usa,
                                                   p["depreciation"]),
            alignment=np.array([st.alignment for st in specs]), democracy=np.array([st.democracy for st in specs]),
            ladder=ladder, eu_level=eu, csto=csto, demand=np.zeros(n), applied=np.zeros(n, dtype=bool),
            belief_about_russia=prior.copy(), prior_about_russia=prior, belief_about_west=p["prior_russia_about_west"],
            stance=np.ones(n, dtype=np.int8), insecurity=np.zeros(n), threat_from_russia=np.zeros(n),
            foothold=foothold, frozen=np.zeros(n), coercing=np.zeros(n, dtype=bool), regime_memory=np.zeros(n),
            expected_join=np.zeros(n), pressure=np.zeros(n), function=p["initial_function"], atrophy=p["atrophy_prior"],
            posture={k: 0.0 for k in effects.POSTURE_OFFENSE},
        )
        # Russia is in every institution it starts in (OSCE); its voice follows
        self._force_threshold = max(0.05, float(p["force_threshold_mean"] + p["force_threshold_sd"]
                                                * normal(self.seed, cw.agent_keys[[cw.rus]], "force_threshold", 0)[0]))
        return w

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
        if key == getattr(self, "_edges_key", None):
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

    def members_of(self, alliance_id: str) -> list[str]:
        w, cw = self.world, self.cw
        if alliance_id == "NATO":
            mask = self._structure().nato_mask
        elif alliance_id == "CSTO":
            mask = w.csto & w.exists
        elif any(a.id == alliance_id and a.kind == "union" for a in self.spiral_scenario.alliances):
            mask = (w.eu_level == 2) & w.exists
        else:
            return sorted(self.inst_members.get(alliance_id, set()))
        return [cw.iso3[i] for i in np.flatnonzero(mask)]

    # ------------------------------------------------------------------ events

    @property
    def quarter(self) -> int:
        """Index (0-based) of the quarter being simulated or last simulated."""
        return max(0, self.steps - 1)

    @property
    def date_label(self) -> str:
        return quarter_label(self.spiral_scenario.start + self.quarter)

    def _log(self, step, kind, actor, target, scripted, cause, event_id=""):
        self.event_log.append({"step": int(step), "date": quarter_label(self.spiral_scenario.start + step), "kind": kind,
                               "actor": actor, "target": target or "", "scripted": bool(scripted),
                               "cause": cause, "event_id": event_id})

    def _fire_due_events(self):
        """Callback (bound method: Mesa holds callbacks by weak reference) for the quarter about to run."""
        step = int(round(self.time - 0.5))
        self._event_step = step
        for e in self._due.pop(step, []):
            self.apply_event(e, step)

    def apply_event(self, e, step: int):
        if e.endogenous and e.kind in ("invitation", "accession", "membership_pledge", "map_granted"):
            if not self._endogenous_decision(e, step):
                return
        cause = effects.APPLY[e.kind](self, e)
        if e.kind in ("invitation", "membership_pledge", "map_granted") and not e.endogenous:
            self._score_decision(e, step)
        targets = e.targets()
        self._log(step, e.kind, e.attr("actor") or "", ",".join(targets), True,
                  ("conditional: " if e.requires else "") + cause, e.id)
        self.fired.add(e.id)
        if self.network is not None:
            self.refresh_network_edges()

    def queue_offer(self, e):
        """Offers are decided by their targets one step later (generic lag, THEORY §9)."""
        self.pending_offers.append((e, self._event_step))

    def _member_votes(self, targets):
        """M8: each NATO member's net value of admitting the targets (array over members)."""
        w, cw, p = self.world, self.cw, self.p
        members = np.flatnonzero(self._structure().nato_mask)
        idx = [cw.index[c] for c in targets]
        added = w.capability[idx].sum() / max(w.capability[members].sum(), 1e-9)
        gain = alliance.applicant_gain(added, cw.border_km[np.ix_(members, idx)].sum(axis=1) > 0)
        provocation = alliance.provocation_of(cw.in_sphere[idx], cw.importance[idx])
        exposure_m = np.clip(w.threat_from_russia[members], 0.0, 1.0)
        bonus = np.where(members == cw.usa, alliance.leader_bonus(self.motive_west.order_weight,
                                                                  self.motive_west.greed, added, provocation), 0.0)
        votes = alliance.member_votes(gain, provocation, w.belief_about_russia[members], exposure_m, bonus, p)
        return members, votes

    def _endogenous_decision(self, e, step) -> bool:
        members, votes = self._member_votes(e.targets())
        decided, split = alliance.aggregate(votes, self.world.capability[members], self.alliance_rule["NATO"])
        yes = int((votes > 0).sum())
        self._log(step, "alliance_decision", "NATO", ",".join(e.targets()), False,
                  f"M8 vote on {e.kind}: {yes}/{len(votes)} yes, rule {self.alliance_rule['NATO']}"
                  + (" (split)" if split else "") + (" -> adopted" if decided else " -> blocked"), e.id)
        return decided

    def _score_decision(self, e, step):
        members, votes = self._member_votes(e.targets())
        ll = alliance.decision_loglik(votes, True)
        self.decision_logliks.append({"event_id": e.id, "step": step, "loglik": ll,
                                      "yes": int((votes > 0).sum()), "members": len(votes)})

    # ------------------------------------------------------------------ the step

    def step(self):
        k = self.quarter
        self._phase = "decide"
        self._decide(k)
        self._evolve(k)
        self._phase = "perceive"
        self._perceive()
        self._phase = "record"
        self._record(k)
        self._check_conditions(k)
        if self.network is not None:
            self.refresh_network_edges()
        if self.steps >= self.n_steps:
            self.running = False

    # 1. decide ------------------------------------------------------------------------------------

    def _decide(self, k: int):
        w, cw, p, seed = self.world, self.cw, self.p, self.seed
        rus = cw.rus
        keys = cw.agent_keys
        noise = p["decision_noise"] * self.streams.normal("stance")[k]
        comps = w.russia_components
        # M5 Russia's stance
        gain = stance.order_gain(w.expected_centrality, w.reference_centrality, 0.0, p["order_scale"])
        opp_r = self._russia_opportunity()
        trust_r = 1.0 - w.belief_about_west
        margin_r = float(stance.stance_margin(self.motive_russia, trust_r, w.threat_to_russia, gain, opp_r, p))
        margin_r += p["common_threat_value"] * w.common_threat + noise[rus]
        w.stance[rus] = 1 if margin_r >= 0 else 0
        self._russia_margin = margin_r
        self._russia_gain = gain
        # M5 the West: every NATO member by its own beliefs; the leader by its type
        members = self._structure().nato_mask
        trust_m = 1.0 - w.belief_about_russia
        m_margin = stance.security_margin(trust_m, w.threat_from_russia, p) + p["common_threat_value"] * w.common_threat
        gain_w = stance.order_gain(w.centrality, w.west_reference_centrality, 1.0, p["order_scale"])
        opp_w = 1.0 - w.capability[rus] / max(w.capability[members].sum(), 1e-9)
        m_margin[cw.usa] = float(stance.stance_margin(self.motive_west, trust_m[cw.usa], w.threat_from_russia[cw.usa],
                                                      gain_w, opp_w, p)) + p["common_threat_value"] * w.common_threat
        others = np.ones(cw.n, dtype=bool)
        others[rus] = False
        w.stance[others] = ((m_margin + noise)[others] >= 0).astype(np.int8)
        # M5/M7 pending offers, decided one step after they were made
        self._decide_offers(k)
        # proposals of an inclusive order (emergent; seed 000, seed 003: CSCE primacy)
        proposes, order_motive = stance.proposes_inclusive_order(
            w.stance[rus] == 1, self.motive_russia.order_weight, w.centrality, comps.get("status", 0.0),
            k - w.last_proposal_step, p)
        if proposes:
            w.last_proposal_step = k
            self._log(k, "proposal", cw.iso3[rus], "OSCE", False,
                      f"M5: cooperative stance (margin {margin_r:+.2f}) and order motive {order_motive:.2f} >= "
                      f"{p['proposal_threshold']:.2f}: "
                      f"proposes an inclusive order")
        # M9 coercion and force, on last step's pressure (state of the world, not event identity)
        self._decide_coercion(k)
        # M7 small states: applications and alignment
        self._decide_small_states(k)
        # M6 arming targets
        self._decide_arming(k)

    def _russia_opportunity(self) -> float:
        """Russia's perceived opportunity: the importance-weighted local balance over unprotected sphere
        states (used by revisionist and greedy types in M5 and M6)."""
        key = ("opp", self.steps)
        if self._cache_key == key:
            return self._cache_val
        val = self._russia_opportunity_now()
        self._cache_key, self._cache_val = key, val
        return val

    def _russia_opportunity_now(self) -> float:
        w, cw = self.world, self.cw
        imp = cw.importance * cw.in_sphere * w.exists
        if imp.sum() <= 0:
            return 0.0
        prot = self._structure().protection
        bal = coercion.local_balance(w.capability[cw.rus], w.capability, prot, self._nato_power())
        return float((imp * (1 - prot) * bal).sum() / imp.sum())

    def _nato_power(self) -> float:
        """NATO's bloc power now (cached within a step: every decision reads the start-of-step state)."""
        key = (self.steps, self._phase)
        if self._nato_power_key != key:
            w = self.world
            self._nato_power_val = threat.bloc_power(w.capability, self._structure().nato,
                                                     self.cw.usa, self.p["alliance_cohesion"])
            self._nato_power_key = key
        return self._nato_power_val

    def _decide_offers(self, k: int):
        w, cw, p = self.world, self.cw, self.p
        keep = []
        for e, made in self.pending_offers:
            if made >= k:
                keep.append((e, made))
                continue
            inst = e.attr("institution")
            spec = next((a for a in self.spiral_scenario.alliances if a.id == inst), None)
            voice = spec.voice if spec else 0.0
            consent = spec.requires_consent if spec else False
            for c in e.targets():
                i = cw.index[c]
                if not w.exists[i]:
                    continue
                if i == cw.rus:
                    value = stance.acceptance_margin(voice, w.centrality, consent, self._russia_margin,
                                                     self._russia_gain, self.motive_russia, p)
                    value += p["decision_noise"] * float(self.streams.normal("accept:" + inst)[k, i])
                    ok = value >= 0
                    self._log(k, "acceptance" if ok else "refusal", c, inst, False,
                              f"M5: value of {inst} seat {value:+.2f} (voice {voice:.2f}, C {w.centrality:.2f}, "
                              f"consent {'required' if consent else 'not required'}, stance margin {self._russia_margin:+.2f})",
                              e.id)
                else:
                    ok = small_states.accepts_partnership(w.alignment[i], w.ladder[i] == MEMBER)
                    if ok:
                        self._log(k, "acceptance", c, inst, False,
                                  f"M7: alignment {w.alignment[i]:+.2f} > -0.5 joins {inst}", e.id)
                if ok:
                    self.inst_members.setdefault(inst, set()).add(c)
                    if inst == "PFP" and i != cw.rus:
                        w.ladder[i] = max(w.ladder[i], PARTNER)
        self.pending_offers = keep

    def _decide_coercion(self, k: int):
        w, cw, p = self.world, self.cw, self.p
        rus = cw.rus
        pres = w.pressure
        cap = w.capacity[rus]
        prot = self._structure().protection
        bal = coercion.local_balance(w.capability[rus], w.capability, prot, self._nato_power())
        since = k - w.last_force_step
        cost = p["force_cost"] * w.capability / max(w.capability[rus], 1e-9)
        force = coercion.force_decision(pres - cost, self._force_threshold, cap, p["force_capacity_min"], bal, prot,
                                        since, p["refractory_quarters"]) & w.exists & (pres > 0) & (cw.in_sphere > 0)
        force[rus] = False
        if force.any():
            j = int(np.argmax(np.where(force, pres, -1)))
            w.last_force_step = k
            w.frozen[j] = 1.0
            w.foothold[j] = 1.0
            w.force_memory = 1.0
            w.expected_join[j] = 0.0
            w.coercing[j] = False
            self._force_target = j
            self._force_log.append((k, cw.iso3[j]))
            self._cond_version += 1
            self._log(k, "use_of_force", cw.iso3[rus], cw.iso3[j], False,
                      f"M9: pressure {pres[j]:.2f} >= force threshold {self._force_threshold:.2f} (drawn once), "
                      f"capacity {cap:.2f} >= {p['force_capacity_min']:.2f}, local balance {bal[j]:.2f}, "
                      f"protection {prot[j]:.2f}, tie '{security.LADDER_NAMES[w.ladder[j]]}'")
        else:
            self._force_target = -1
        start = coercion.coercion_decision(pres, p["coercion_threshold"], cap, w.coercing) & w.exists & ~force
        start[rus] = False
        self._coerced_now = np.flatnonzero(start)
        for j in self._coerced_now:
            w.coercing[j] = True
            member = bool(w.ladder[j] == MEMBER)
            inst = coercion.coercion_instrument(cw.energy_dependence[j], member)
            self._coercion_log.append((k, cw.iso3[j]))
            self._cond_version += 1
            self._log(k, "coercion", cw.iso3[rus], cw.iso3[j], False,
                      f"M9: pressure {pres[j]:.2f} >= coercion threshold {p['coercion_threshold']:.2f}: {inst} "
                      f"(stake {self._stakes[j]:.2f}, tie '{security.LADDER_NAMES[w.ladder[j]]}')")
        # cool-down
        w.coercing &= pres >= 0.8 * p["coercion_threshold"]

    def _decide_small_states(self, k: int):
        w, cw, p = self.world, self.cw, self.p
        rus = cw.rus
        cand = w.exists & (w.ladder < MEMBER)
        cand[rus] = False
        prot = self._structure().protection
        r_share = w.capability[rus] / max(w.capability[rus] + self._nato_power(), 1e-9)
        cost = small_states.retaliation_cost(r_share, prot, w.belief_about_russia, cw.in_sphere)
        west = security.EXPECTED_LOSS[w.ladder]
        self._active_borders()
        contagion = (self._neighbours @ west) / self._neighbour_count
        pull = small_states.western_pull(w.democracy, w.alignment)
        avail = small_states.ally_availability(w.expected_join, w.ladder >= PARTNER)
        demand = small_states.membership_demand(w.threat_from_russia, pull, cost, contagion, p, avail)
        demand = small_states.frozen_conflict_damping(demand, w.frozen)
        w.demand = np.where(cand, demand, np.where(w.ladder == MEMBER, 1.0, 0.0))
        noise = 0.05 * self.streams.normal("application")[k]
        apply_now = cand & ~w.applied & (w.demand + noise >= p["apply_threshold"])
        for j in np.flatnonzero(apply_now):
            self._cond_version += 1
            w.applied[j] = True
            w.ladder[j] = max(w.ladder[j], ASPIRANT)
            self._log(k, "application", cw.iso3[j], "NATO", False,
                      f"M7: demand {w.demand[j]:.2f} + noise {noise[j]:+.2f} >= {p['apply_threshold']:.2f} (threat {w.threat_from_russia[j]:.2f}, "
                      f"retaliation cost {cost[j]:.2f}, contagion {contagion[j]:.2f})")
        target = small_states.alignment_target(w.demand, w.threat_from_russia, prot, w.alignment)
        move = cand & (w.ladder < ASPIRANT)
        w.alignment = np.where(move, w.alignment + p["alignment_speed"] * (target - w.alignment), w.alignment)

    def _decide_arming(self, k: int):
        w, cw, p = self.world, self.cw, self.p
        rus = cw.rus
        opp = np.zeros(cw.n)
        mr = self.motive_russia
        if mr.order_weight > 0 or mr.greed > 0:
            opp[rus] = self._russia_opportunity()
        if self.motive_west.greed > 0 or self.motive_west.order_weight > 0:
            opp[cw.usa] = 0.5 * (1.0 - w.capability[rus] / max(self._nato_power(), 1e-9))
        floor = self._peace_floor
        tgt = arming.target_effort(w.insecurity, opp, w.capacity, floor, p)
        w.effort = np.where(w.exists, arming.adjust_effort(w.effort, tgt, p["arming_speed"]), w.effort)
        if cw.us_burden is not None:
            w.effort[cw.usa] = cw.us_burden[k]

    # 2. evolve ------------------------------------------------------------------------------------

    def _evolve(self, k: int):
        w, cw, p = self.world, self.cw, self.p
        w.exists = cw.exists[k]
        w.gdp = cw.gdp[k]
        w.gdp_peak = np.maximum(w.gdp_peak * self._peak_decay, w.gdp)
        w.capacity = capacity.fiscal_capacity(w.capacity, w.gdp, w.gdp_peak, p["fiscal_memory"])
        w.capability = capacity.accumulate(w.capability, w.effort, w.gdp, p["depreciation"])
        q = self.spiral_scenario.start + k
        for f in self._later_forces:
            if f.since == q and f.by == cw.iso3[cw.rus]:
                w.foothold[cw.index[f.host]] = 1.0
        half = 4.0
        w.frozen = coercion.decay(w.frozen, p["frozen_conflict_years"] * half)
        w.regime_memory = coercion.decay(w.regime_memory, p["regime_memory_years"] * half)
        w.force_memory = float(coercion.decay(w.force_memory, 8.0))
        w.common_threat = float(coercion.decay(w.common_threat, 4.0))
        w.atrophy *= 1.0 - p["atrophy_learning"]

    # 3. perceive ----------------------------------------------------------------------------------

    def _perceive(self, first: bool = False):
        w, cw, p = self.world, self.cw, self.p
        rus, usa = cw.rus, cw.usa
        k = self.quarter
        S = self._structure()
        exists, nato, csto = S.exists, S.nato, S.csto
        P_west = threat.bloc_power(w.capability, nato, usa, p["alliance_cohesion"])
        P_rus = threat.bloc_power(w.capability, csto, rus, p["alliance_cohesion"])
        # M10 liberal: voice damps, democracies discount
        lib = p["liberal"]
        # --- Russia's threat from the West (M2)
        x_r = S.x_russia
        base_now = float(threat.relative_power(P_west, P_rus, p["power_exponent"]) * x_r * w.offense_west)
        lib_r = float(paradigms.liberal_threat_discount(w.democracy[rus], w.democracy[usa], lib)) if lib else 1.0
        b_rw = w.belief_about_west
        t_r = threat.perceived_threat(base_now * lib_r, 1.0, 1.0, b_rw, p["kappa"])
        # --- the order (C) and Russia's voice
        members = self.inst_members
        r_iso = cw.iso3[rus]
        seats = tuple(a.id for a in self._voiced if r_iso in members.get(a.id, ()))
        if seats != self._seats:
            voice = 1.0
            for a in self._voiced:
                if a.id in seats:
                    voice *= 1.0 - a.voice
            w.voice, self._seats = 1.0 - voice, seats
        func = order.function_from_voice(w.function, w.voice, p)
        w.centrality = order.centrality(w.capability, w.ladder, S.european, func)
        w.expected_centrality = order.expected_centrality(w.capability, w.ladder, w.expected_join, S.european,
                                                          func, w.atrophy)
        if first:
            w.reference_centrality = w.expected_centrality
            w.west_reference_centrality = w.centrality
        else:
            w.reference_centrality += p["order_adaptation"] * (w.expected_centrality - w.reference_centrality)
            w.west_reference_centrality += p["order_adaptation"] * (w.centrality - w.west_reference_centrality)
        # --- M3 Russia's broad insecurity
        drift = security.western_drift(w.ladder, w.eu_level, w.alignment)
        sphere = security.sphere_loss(drift, cw.importance, cw.in_sphere, w.exists)
        regime = security.regime_threat(w.regime_memory, cw.importance, cw.in_sphere)
        status = security.status_gap(w.centrality, w.voice)
        comps = security.insecurity(float(t_r), status, sphere, regime, p)
        w.russia_components = comps
        w.threat_to_russia = float(t_r)
        # --- others' threat from Russia (M2)
        x_o = S.x_others
        prot = S.protection
        own = w.capability + prot * P_west
        own = np.where(nato > 0, P_west, own)
        offense_r = coercion.offense_after_force(w.force_memory)
        base_o = threat.relative_power(P_rus, own, p["power_exponent"]) * x_o * offense_r
        base_o_actual = base_o
        if lib:
            base_o = base_o * paradigms.liberal_threat_discount(w.democracy, w.democracy[rus], lib)
        t_o = threat.perceived_threat(base_o, 1.0, 1.0, w.belief_about_russia, p["kappa"])
        t_o[rus] = 0.0
        w.threat_from_russia = t_o * exists
        ins = p["w_military"] * w.threat_from_russia
        ins[rus] = comps["total"]
        w.insecurity = ins
        # --- M9 pressure (read next step)
        st = security.stakes(w.ladder, w.eu_level, w.alignment)
        self._stakes = st
        w.pressure = coercion.pressure(st, cw.importance, w.regime_memory, self.motive_russia.greed, prot,
                                       cw.in_sphere, w.frozen) * exists
        # --- M4 beliefs. The harm an act did is the change in the observer's insecurity that the *actor's*
        # side caused since last quarter: the observer's own capability and its own beliefs are held at
        # last quarter's values, so that nobody reads its own arming or its own fears as the other's act.
        if not first:
            kappa_term = p["kappa"] + (1 - p["kappa"]) * b_rw
            west_mil = float(threat.relative_power(P_west, self._prev["P_rus"], p["power_exponent"])
                             * x_r * w.offense_west)
            harm_r = (p["w_military"] * (west_mil - self._prev["base_r"]) * lib_r * kappa_term
                      + p["status_weight"] * (status - self._prev["status"])
                      + p["sphere_weight"] * (sphere - self._prev["sphere"])
                      + p["regime_weight"] * (regime - self._prev["regime"]))
            nato_defects = self._nato_defects()
            harm_r += float(beliefs.stance_harm(nato_defects, p["exploitation_cost"]))
            harm_r *= paradigms.liberal_harm_damping(w.voice, lib)
            ident = w.identity
            emp = paradigms.constructivist_empathy(p["empathy"], ident, p["constructivist"])
            cw_ = w.capability * nato
            west_ins = float(w.insecurity @ cw_ / cw_.sum()) if nato.any() else 0.0
            pn = p["perception_noise"]
            noise_all = pn * self.streams.normal("perception")[k]
            llr = beliefs.log_likelihood_ratio(harm_r, p["distinguishability"], p["misperception"], emp, west_ins,
                                               p["max_log_lr"], float(noise_all[rus]))
            prior_rw = paradigms.constructivist_prior(p["prior_russia_about_west"], ident, p["constructivist"])
            w.belief_about_west = float(beliefs.update(beliefs.predict(b_rw, prior_rw, p["type_switch_hazard"]), llr))
            # others about Russia: Russia's side moved (its bloc's power, footholds, offense), own power held
            russia_mil = threat.relative_power(P_rus, self._prev["own"], p["power_exponent"]) * x_o * offense_r
            harm_o = (russia_mil - self._prev["base_o"]) * (p["kappa"] + (1 - p["kappa"]) * w.belief_about_russia)
            harm_o = harm_o + beliefs.stance_harm(w.stance[rus] == 0, p["exploitation_cost"])
            ft = getattr(self, "_force_target", -1)
            if ft >= 0:
                harm_o = harm_o + coercion.act_signal(p["force_signal"], 1.0 + cw.importance[ft], cw.core_weight[:, ft])
            for j in self._coerced_now:
                harm_o = harm_o + coercion.act_signal(p["force_signal"], coercion.COERCION_SHARE, cw.core_weight[:, j])
            llr_o = beliefs.log_likelihood_ratio(harm_o, p["distinguishability"], p["misperception"], emp,
                                                 comps["total"], p["max_log_lr"], noise_all)
            b_pred = beliefs.predict(w.belief_about_russia, w.prior_about_russia, p["type_switch_hazard"])
            w.belief_about_russia = np.where(w.exists, beliefs.update(b_pred, llr_o), w.belief_about_russia)
            if p["constructivist"]:
                channels = sum(1 for a in self.spiral_scenario.alliances if r_iso in members.get(a.id, ()))
                w.identity = paradigms.identity_update(ident, channels, float(max(harm_r, 0.0)), p["constructivist"])
        self._prev = {"P_rus": P_rus, "base_r": base_now, "status": status, "sphere": sphere, "regime": regime,
                      "own": own, "base_o": base_o_actual}

    def _structure(self) -> "_Structure":
        """Quantities that depend only on who exists and on the ties (ladder, CSTO, EU, footholds, expected
        joins): recomputed only when one of those changed, which is rare (events, applications, force)."""
        w = self.world
        key = (w.ladder.tobytes(), w.exists.tobytes(), w.csto.tobytes(), w.foothold.tobytes(),
               w.expected_join.tobytes(), w.eu_level.tobytes())
        if key != self._structure_key:
            self._structure_key, self._structure_val = key, _Structure(self)
        return self._structure_val

    def _active_borders(self) -> np.ndarray:
        """Weighted border matrix restricted to states that exist now (recomputed when statehood changes)."""
        key = self.world.exists.tobytes()
        if key != self._borders_key:
            e = self.world.exists.astype(float)
            self._borders = self.cw.border_weighted * e[:, None] * e[None, :]
            nb = (self.cw.border_km > 0) * e[:, None] * e[None, :]
            self._neighbours, self._neighbour_count = nb, np.maximum(nb.sum(axis=1), 1.0)
            self._borders_key = key
        return self._borders

    def _nato_defects(self) -> bool:
        w = self.world
        members = self._structure().nato_mask
        if not members.any():
            return False
        wts = w.capability[members]
        return bool(w.stance[members] @ wts < 0.5 * wts.sum())

    # 4. record -------------------------------------------------------------------------------------

    def _init_records(self):
        T, n = self.n_steps, self.cw.n
        self.rec_states = {name: np.zeros((T, n)) for name in
                           ("alignment", "demand", "burden", "capability", "insecurity", "stance",
                            "belief_about_russia", "threat_from_russia", "ladder", "exists")}
        self.rec_belief_west = np.zeros(T)
        self.datacollector = FastCollector(model_reporters={name: name for name in MODEL_REPORTERS})

    def _record(self, k: int):
        w, cw = self.world, self.cw
        rus = cw.rus
        S = self._structure()
        nato, nato_eu = S.nato_mask, S.nato_europe
        wts = w.capability[nato]
        b_nato = float(w.belief_about_russia[nato] @ wts / wts.sum())
        g = w.gdp[nato_eu]
        nato_burden = float(w.effort[nato_eu] @ g / g.sum()) if nato_eu.any() else 0.0
        r_def = w.stance[rus] == 0
        n_def = self._nato_defects()
        comps = w.russia_components
        self.tension = observables.tension(w.belief_about_west, b_nato, r_def, n_def, w.effort[rus], nato_burden)
        self.tension_russia = observables.tension_russia(w.belief_about_west, r_def, w.effort[rus])
        self.trust_russia_in_nato = 1.0 - w.belief_about_west
        self.trust_nato_in_russia = 1.0 - b_nato
        self.centrality = w.centrality
        self.russia_expected_centrality = w.expected_centrality
        self.russia_voice = w.voice
        self.nato_members = int(nato.sum())
        self.russia_burden = float(w.effort[rus])
        self.us_burden = float(w.effort[cw.usa])
        self.nato_europe_burden = nato_burden
        self.russia_capability = float(w.capability[rus])
        self.capability_ratio = float(w.capability[nato].sum() / max(w.capability[rus], 1e-9))
        self.russia_insecurity = comps["total"]
        self.russia_insecurity_military = comps["military"]
        self.russia_insecurity_status = comps["status"]
        self.russia_insecurity_sphere = comps["sphere"]
        self.russia_insecurity_regime = comps["regime"]
        self.russia_stance = int(w.stance[rus])
        self.nato_stance = int(not n_def)
        self.russia_coercing = int(w.coercing.sum())
        self.richardson_margin = self._richardson(nato_eu)
        self.regime = observables.relationship_regime(r_def, n_def, k - w.last_force_step, bool(w.coercing.any()))
        self.datacollector.collect(self)
        rs = self.rec_states
        rs["alignment"][k] = w.alignment
        rs["demand"][k] = w.demand
        rs["burden"][k] = w.effort
        rs["capability"][k] = w.capability
        rs["insecurity"][k] = w.insecurity
        rs["stance"][k] = w.stance
        rs["belief_about_russia"][k] = w.belief_about_russia
        rs["threat_from_russia"][k] = w.threat_from_russia
        rs["ladder"][k] = w.ladder
        rs["exists"][k] = w.exists
        self.rec_belief_west[k] = w.belief_about_west

    def _richardson(self, nato_eu) -> float:
        """M6 diagnostic: fatigue_R·fatigue_W − reaction_R·reaction_W of the linearised Russia–NATO arms
        process (> 0: stable). Fatigue is the adjustment speed times (1 + fatigue); NATO's reaction is that
        of its European members (the US effort is exogenous)."""
        w, cw, p = self.world, self.cw, self.p
        rus = cw.rus
        P_w = self._nato_power()
        share_w = P_w / max(P_w + w.capability[rus], 1e-9)
        n_eu = self._structure().n_nato_europe
        e_w = float(w.effort @ nato_eu) / n_eu if n_eu else p["peace_burden"]
        k_r = arming.reaction_term(p["arming_speed"], p["arming_reaction"], float(w.capacity[rus]), p["w_military"],
                                   p["power_exponent"], w.threat_to_russia, share_w, e_w)
        t_eu = float(w.threat_from_russia @ nato_eu) / n_eu if n_eu else 0.0
        cap_eu = float(w.capacity @ nato_eu) / n_eu if n_eu else 1.0
        k_w = arming.reaction_term(p["arming_speed"], p["arming_reaction"], cap_eu, p["w_military"],
                                   p["power_exponent"], t_eu, 1 - share_w, float(w.effort[rus]))
        fat = p["arming_speed"]
        return arming.richardson_margin(k_r, k_w, fat, fat)

    def _check_conditions(self, k: int):
        for e in self.cw.conditional:
            if e.id in self.fired or e.id in self.condition_state and self.condition_state[e.id] < 0:
                continue
            q = self.spiral_scenario.start + k + 1  # the quarter it would fire in
            if e.latest is not None and q > e.latest:
                continue
            known = e.id in self.condition_state and e.requires.kind not in ("stance", "all", "any")
            if known or self._holds_cached(e):
                first = self.condition_state.setdefault(e.id, k)
                fire_step = max(first + 1 + e.delay, e.date - self.spiral_scenario.start, k + 1)
                if fire_step == k + 1 and fire_step < self.n_steps:
                    self.condition_state[e.id] = -1
                    self._due.setdefault(fire_step, []).append(e)
                    self.schedule_event(self._fire_due_events, at=fire_step + 0.5)

    def _holds_cached(self, e) -> bool:
        """Conditions on force, coercion and applications change only when one of those happens; stance
        conditions are evaluated every step."""
        if _mentions_stance(e.requires):
            return self._holds(e.requires)
        hit = self._cond_cache.get(e.id)
        if hit is None or hit[0] != self._cond_version:
            hit = (self._cond_version, self._holds(e.requires))
            self._cond_cache[e.id] = hit
        return hit[1]

    def _holds(self, c) -> bool:
        if c.kind == "all":
            return all(self._holds(x) for x in c.children)
        if c.kind == "any":
            return any(self._holds(x) for x in c.children)
        if c.kind == "applied":
            return all(self.world.applied[self.cw.index[s]] for s in c.states)
        if c.kind == "stance":
            return bool(self.world.stance[self.cw.index[c.by]] == (1 if c.states[0] == "cooperate" else 0))
        if c.by != self.cw.iso3[self.cw.rus]:
            return False  # only Russia's coercion and force are modelled
        log = self._force_log if c.kind == "force_used" else self._coercion_log
        since = (c.since - self.spiral_scenario.start) if c.since is not None else -1
        return any(step >= since and (not c.against or target in c.against) for step, target in log)

    # ------------------------------------------------------------------ convenience

    def run(self):
        while self.running:
            self.step()
        return self

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


class _Structure:
    """The per-structure cache of :meth:`SpiralModel._structure` (no theory here: the same expressions the
    step would otherwise evaluate every quarter)."""

    def __init__(self, m: SpiralModel):
        w, cw, p = m.world, m.cw, m.p
        rus, usa = cw.rus, cw.usa
        self.exists = exists = w.exists.astype(float)
        self.nato_mask = (w.ladder == MEMBER) & w.exists
        self.nato = self.nato_mask.astype(float)
        self.csto = (w.csto & w.exists).astype(float)
        self.protection = PROTECTION[w.ladder]
        held_w = security.west_holding(w.ladder, w.expected_join) * exists
        held_w[usa] = 1.0
        bw = m._active_borders()
        self.x_russia = threat.exposure_row(bw[rus], held_w)
        held_r = np.maximum(self.csto, 0.0)
        held_r[rus] = 1.0
        self.x_others = threat.exposure(bw, None, held_r * exists, w.foothold * exists, p["foothold_exposure"])
        self.european = cw.european * exists
        self.nato_europe = self.nato_mask & (cw.european > 0)
        self.n_nato_europe = int(self.nato_europe.sum())
        for value in vars(self).values():  # shared by every reader until the ties change: read-only
            if isinstance(value, np.ndarray):
                value.flags.writeable = False


def _mentions_stance(c) -> bool:
    return c.kind == "stance" or any(_mentions_stance(x) for x in c.children)


MODEL_REPORTERS = ("tension", "tension_russia", "trust_russia_in_nato", "trust_nato_in_russia", "centrality",
                   "russia_expected_centrality", "russia_voice", "nato_members", "russia_burden", "us_burden",
                   "nato_europe_burden", "russia_capability", "capability_ratio", "russia_insecurity",
                   "russia_insecurity_military", "russia_insecurity_status", "russia_insecurity_sphere",
                   "russia_insecurity_regime", "russia_stance", "nato_stance", "russia_coercing", "richardson_margin",
                   "regime")
