"""The state of a batch of runs (layer 3, the engine): one object, every array with a leading runs axis.

``[R, N]`` arrays hold what each of the N states has in each of the R runs; ``[R]`` arrays what is one
number per run (Russia's belief about the West, NATO's centrality, the force threshold drawn once per
run, …). Nothing that is state lives anywhere else: quantities derived from it (exposure, masks, bloc
power) are recomputed each step by :mod:`sim.engine.step`.

:class:`Batch` holds what is fixed for the whole run of a batch: the compiled scenario, each run's seed,
world and parameter values (each parameter an ``[R]`` array, ``ps`` the same as ``[R, 1]`` columns for
per-state formulas), and the great powers' motives as ``[R]`` arrays (a type is numbers, not an ``if``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.mechanisms import beliefs, capacity
from sim.mechanisms import security, threat
from sim.mechanisms.randomness import lognormal_factor, normal
from sim.mechanisms.security import MEMBER, PARTNER
from sim.params import PARAMETERS, resolve
from sim.scenario import Scenario
from sim.engine.compiled import CompiledWorld, compile_world
from sim.worlds import motive, split_model, world_types

POSTURE_COMPONENTS = ("missile_defence", "forward_presence", "abm_treaty")
NEVER = -10**9  # "this has not happened" for step-valued state


@dataclass(frozen=True)
class Motives:
    """A great power's private motives in every run of a batch: ``[R]`` arrays (docs/theory.md §2)."""

    order_weight: np.ndarray
    greed: np.ndarray
    preferred_centrality: float


@dataclass
class Batch:
    """The fixed inputs of a batch: scenario, seeds, worlds, parameters, motives."""

    scenario: Scenario
    cw: CompiledWorld
    seeds: np.ndarray               # [R] int64
    worlds: tuple[str, ...]          # [R]
    parameters: tuple[dict, ...]     # [R] the overrides each run was given (for the record)
    pr: dict                         # name -> [R]
    ps: dict                         # name -> [R, 1]
    west: Motives
    russia: Motives
    types: tuple[tuple[str, str], ...]  # [R] (leader type, Russia type)
    # each run's world data, built once by make_batch (:func:`world_data`): sweeps vary them like parameters
    tables: dict = field(default_factory=dict)    # name -> [R, L] ladder tables (sim.mechanisms.security)
    importance: np.ndarray | None = None          # [R, N] importance to Russia (× importance_jitter factor)
    energy_dependence: np.ndarray | None = None   # [R, N] dependence on Russian gas (× energy_jitter factor)
    core_weight: np.ndarray | None = None         # [R, N, N] closeness of each border to a state's core (M2)
    border_weighted: np.ndarray | None = None     # [R, N, N] border_km × core_weight

    @property
    def R(self) -> int:
        return len(self.seeds)

    @property
    def n_steps(self) -> int:
        return self.scenario.n_steps


def make_batch(scenario: Scenario, worlds, seeds, parameters=None) -> Batch:
    """``worlds`` and ``parameters`` are one value for every run or a sequence with one per run."""
    seeds = np.atleast_1d(np.asarray(seeds, dtype=np.int64))
    R = len(seeds)
    worlds = (worlds,) * R if isinstance(worlds, str) else tuple(worlds)
    if parameters is None or isinstance(parameters, dict):
        parameters = (dict(parameters or {}),) * R
    parameters = tuple(dict(p or {}) for p in parameters)
    if len(worlds) != R or len(parameters) != R:
        raise ValueError(f"a batch of {R} seeds needs {R} worlds and parameter sets, "
                         f"got {len(worlds)} and {len(parameters)}")
    cw = compile_world(scenario)
    # a model "world+switch" runs its world with the switch on (sim.worlds.split_model)
    switched = {w: split_model(w)[1] for w in set(worlds)}
    parameters = tuple({**p, **switched[w]} if switched[w] else p for p, w in zip(parameters, worlds))
    resolved: dict = {}
    rows = []
    for p in parameters:
        key = tuple(sorted(p.items()))
        if key not in resolved:
            resolved[key] = resolve(scenario.parameters, p)
        rows.append(resolved[key])
    pr = {name: np.array([r[name] for r in rows], dtype=float) for name in PARAMETERS}
    ps = {name: v[:, None] for name, v in pr.items()}
    over = scenario.type_overrides
    types = []
    for w in worlds:
        t = world_types(w)
        types.append((over.get(cw.iso3[cw.usa], t["leader"]), over.get(cw.iso3[cw.rus], t["russia"])))
    mw = [motive(t[0], "leader", r) for t, r in zip(types, rows)]
    mr = [motive(t[1], "russia", r) for t, r in zip(types, rows)]
    west = Motives(np.array([m.order_weight for m in mw]), np.array([m.greed for m in mw]), 1.0)
    russia = Motives(np.array([m.order_weight for m in mr]), np.array([m.greed for m in mr]), 0.0)
    return Batch(scenario, cw, seeds, worlds, parameters, pr, ps, west, russia, tuple(types),
                 **world_data(cw, seeds, pr))


def world_data(cw: CompiledWorld, seeds, pr: dict) -> dict:
    """Each run's world data (docs/theory.md §9: world data are stress-tested like parameters): the ladder
    tables from its parameters; importance to Russia and energy dependence times a mean-one log-normal factor
    of s.d. ``importance_jitter`` / ``energy_jitter`` drawn once per run from the keyed streams "importance" and
    "energy_dependence" (exactly the world file's values at s.d. 0); the closeness of borders to each state's
    core at its ``core_distance_km``. Runs that share a distance scale share one read-only array."""
    seeds = np.asarray(seeds)
    R = len(seeds)
    importance = cw.importance * lognormal_factor(seeds[:, None], cw.agent_keys, "importance",
                                                  pr["importance_jitter"][:, None])
    energy = np.minimum(1.0, cw.energy_dependence * lognormal_factor(seeds[:, None], cw.agent_keys,
                                                                     "energy_dependence", pr["energy_jitter"][:, None]))
    scales, which = np.unique(pr["core_distance_km"], return_inverse=True)
    core = threat.core_weights(cw.positions, scales[:, None, None])
    core = np.broadcast_to(core[0], (R,) + core.shape[1:]) if len(scales) == 1 else core[which]
    border = np.broadcast_to(cw.border_km * core[0], core.shape) if len(scales) == 1 else cw.border_km * core
    tables = {k: v[0] if v.ndim == 2 and (v == v[:1]).all() else v  # shared by every run: one [L] table
              for k, v in security.ladder_tables(pr).items()}
    return {"tables": tables, "importance": importance, "energy_dependence": energy,
            "core_weight": core, "border_weighted": border}


@dataclass
class State:
    """Every mutable variable of every run of a batch."""

    # --- per state [R, N]
    exists: np.ndarray
    gdp: np.ndarray                   # real GDP (PPP): the exogenous path x (1 - gdp_damage)
    gdp_damage: np.ndarray            # share of the exogenous GDP path lost to modelled force and sanctions
    sanctions: np.ndarray             # level of sanctions in force on each state, 0..1 (set by sanctions events)
    gdp_peak: np.ndarray
    capacity: np.ndarray
    effort: np.ndarray
    capability: np.ndarray
    alignment: np.ndarray
    democracy: np.ndarray
    ladder: np.ndarray                # int: NONE … MEMBER
    eu_level: np.ndarray              # int: 0 none, 1 association, 2 member
    csto: np.ndarray                  # bool
    demand: np.ndarray
    applied: np.ndarray               # bool
    belief_about_russia: np.ndarray   # b_i,RUS for every state i
    prior_about_russia: np.ndarray
    stance: np.ndarray                # int8: 1 cooperate / 0 defect toward the rival
    insecurity: np.ndarray
    threat_from_russia: np.ndarray
    foothold: np.ndarray
    frozen: np.ndarray
    coercing: np.ndarray              # bool
    regime_memory: np.ndarray
    expected_join: np.ndarray
    pressure: np.ndarray
    stakes: np.ndarray
    last_force_against: np.ndarray    # int: step of Russia's last use of force against each state (NEVER)
    last_coercion_of: np.ndarray      # int: step Russia last started coercing each state (NEVER)
    coerced_now: np.ndarray           # bool: coercion started this step
    # --- per run [R]
    belief_about_west: np.ndarray     # Russia's b_RUS,West
    function: np.ndarray
    atrophy: np.ndarray
    offense_west: np.ndarray
    force_memory: np.ndarray
    common_threat: np.ndarray
    identity: np.ndarray
    centrality: np.ndarray
    expected_centrality: np.ndarray
    reference_centrality: np.ndarray
    west_reference_centrality: np.ndarray
    voice: np.ndarray
    threat_to_russia: np.ndarray
    force_threshold: np.ndarray       # drawn once per run
    last_force_step: np.ndarray       # int
    last_proposal_step: np.ndarray    # int
    force_target: np.ndarray          # int: this step's target of force, -1 if none
    russia_margin: np.ndarray         # this step's stance margin and order gain (read by acceptances)
    russia_gain: np.ndarray
    # Russia's insecurity components [R]
    ins_military: np.ndarray
    ins_status: np.ndarray
    ins_sphere: np.ndarray
    ins_regime: np.ndarray
    ins_total: np.ndarray
    # --- M4 beliefs over the three types (S, R, G), and the evidence of the quarter's acts
    belief_west: np.ndarray           # [R, 3] Russia's belief over the West's (leader's) type
    belief_russia: np.ndarray         # [R, N, 3] each state's belief over Russia's type
    prior_west: np.ndarray            # [R, 3]
    prior_russia: np.ndarray          # [R, N, 3]
    west_evidence: np.ndarray         # [R, 3] log-likelihood of the West's acts this quarter under S, R, G
    russia_evidence: np.ndarray       # [R, 3] log-likelihood of Russia's acts this quarter under S, R, G
    threat0_russia: np.ndarray        # [R] Russia's threat and insecurity at the first perception: the part the
    ins0_russia: np.ndarray           #     West's side did not cause (observers' empathy, M4)
    threat0_west: np.ndarray          # [R] the same for the leader's threat from Russia
    prev_effort: np.ndarray           # [R, N] last quarter's effort (arming is read as a change, M4)
    opportunity_russia: np.ndarray    # [R] Russia's perceived opportunity this quarter (M5/M6/M9)
    nato_acted: np.ndarray            # [R] bool: NATO extended its role this quarter (evidence against atrophy)
    russia_seen_margin: np.ndarray    # [R, 3] Russia's stance margin under each type as observers see it
    russia_seen_gain: np.ndarray      # [R] the order gain observers see for Russia (public trend of C)
    # --- other shapes
    posture: np.ndarray               # [R, 3] level of each posture component (POSTURE_COMPONENTS)
    members: np.ndarray               # [R, A, N] bool: seats in institutions (alliances other than NATO/CSTO/EU)
    condition_first: np.ndarray       # [R, C] int: step a conditional event's condition first held (NEVER)
    condition_done: np.ndarray        # [R, C] bool: scheduled or fired
    # last quarter's perceptions, against which this quarter's harm is measured (M4) [R] or [R, N]
    prev_rus_power: np.ndarray
    prev_west_threat_base: np.ndarray
    prev_status: np.ndarray
    prev_sphere: np.ndarray
    prev_regime: np.ndarray
    prev_own_power: np.ndarray
    prev_russia_threat_base: np.ndarray
    # event machinery: offers awaiting an answer, events due at a step — (event, made/at step, runs mask)
    pending_offers: list = field(default_factory=list)
    due: dict = field(default_factory=dict)


def initial_state(b: Batch) -> State:
    """Every run's state at the scenario's start, before the first perception."""
    cw, s, R, n = b.cw, b.scenario, b.R, b.cw.n
    specs = s.states
    tile = lambda a: np.tile(np.asarray(a), (R, 1))  # noqa: E731
    effort = np.array([st.burden / 100.0 for st in specs])
    gdp0 = cw.gdp[0].copy()
    ladder = np.zeros(n, dtype=np.int64)
    csto = np.zeros(n, dtype=bool)
    eu = np.zeros(n, dtype=np.int64)
    alliances = s.alliances
    members = np.zeros((len(alliances), n), dtype=bool)
    for ai, a in enumerate(alliances):
        idx = [cw.index[m] for m in a.members]
        if a.id == "NATO":
            ladder[idx] = MEMBER
        elif a.id == "CSTO":
            csto[idx] = True
        elif a.kind == "union":
            eu[idx] = 2
        else:
            members[ai, idx] = True
    for a in alliances:
        if a.id == "PFP":
            for m in a.members:
                i = cw.index[m]
                ladder[i] = max(ladder[i], PARTNER)
    foothold = np.zeros(n)
    for f in s.forces:
        if f.by == cw.iso3[cw.rus] and f.since <= s.start:
            foothold[cw.index[f.host]] = 1.0
    prior = np.array([st.prior_about_russia for st in specs])
    pr = b.pr
    threshold = np.maximum(pr["force_threshold_floor"], pr["force_threshold_mean"] + pr["force_threshold_sd"]
                           * normal(b.seeds[:, None], cw.agent_keys[[cw.rus]], "force_threshold", 0)[:, 0])
    zeros, zn = np.zeros(R), np.zeros((R, n))
    n_cond = len(cw.conditional)
    return State(
        exists=tile(cw.exists[0]), gdp=tile(gdp0), gdp_damage=zn.copy(), sanctions=zn.copy(), gdp_peak=tile(gdp0),
        capacity=np.ones((R, n)),
        effort=tile(effort),
        capability=capacity.initial_capability(np.array([st.cinc for st in specs])[None, :], tile(effort),
                                               tile(gdp0), cw.usa, pr["depreciation"]),
        alignment=tile([st.alignment for st in specs]), democracy=tile([st.democracy for st in specs]),
        ladder=tile(ladder), eu_level=tile(eu), csto=tile(csto), demand=zn.copy(), applied=np.zeros((R, n), bool),
        belief_about_russia=tile(prior), prior_about_russia=tile(prior), stance=np.ones((R, n), dtype=np.int8),
        insecurity=zn.copy(), threat_from_russia=zn.copy(), foothold=tile(foothold), frozen=zn.copy(),
        coercing=np.zeros((R, n), bool), regime_memory=zn.copy(), expected_join=zn.copy(), pressure=zn.copy(),
        stakes=zn.copy(), last_force_against=np.full((R, n), NEVER), last_coercion_of=np.full((R, n), NEVER),
        coerced_now=np.zeros((R, n), bool),
        belief_about_west=pr["prior_russia_about_west"].copy(), function=pr["initial_function"].copy(),
        atrophy=pr["atrophy_prior"].copy(), offense_west=np.ones(R), force_memory=zeros.copy(),
        common_threat=zeros.copy(), identity=zeros.copy(), centrality=zeros.copy(),
        expected_centrality=zeros.copy(), reference_centrality=zeros.copy(), west_reference_centrality=zeros.copy(),
        voice=zeros.copy(), threat_to_russia=zeros.copy(), force_threshold=threshold,
        last_force_step=np.full(R, NEVER), last_proposal_step=np.full(R, NEVER), force_target=np.full(R, -1),
        russia_margin=zeros.copy(), russia_gain=zeros.copy(),
        ins_military=zeros.copy(), ins_status=zeros.copy(), ins_sphere=zeros.copy(), ins_regime=zeros.copy(),
        ins_total=zeros.copy(),
        belief_west=beliefs.prior_vector(pr["prior_russia_about_west"]),
        belief_russia=beliefs.prior_vector(tile(prior)), prior_west=beliefs.prior_vector(pr["prior_russia_about_west"]),
        prior_russia=beliefs.prior_vector(tile(prior)), west_evidence=np.zeros((R, 3)),
        russia_evidence=np.zeros((R, 3)), threat0_russia=zeros.copy(), ins0_russia=zeros.copy(),
        threat0_west=zeros.copy(), prev_effort=tile(effort), opportunity_russia=zeros.copy(),
        nato_acted=np.zeros(R, dtype=bool), russia_seen_margin=np.zeros((R, 3)), russia_seen_gain=zeros.copy(),
        posture=np.zeros((R, len(POSTURE_COMPONENTS))), members=np.tile(members, (R, 1, 1)),
        condition_first=np.full((R, n_cond), NEVER), condition_done=np.zeros((R, n_cond), bool),
        prev_rus_power=zeros.copy(), prev_west_threat_base=zeros.copy(), prev_status=zeros.copy(),
        prev_sphere=zeros.copy(), prev_regime=zeros.copy(), prev_own_power=zn.copy(),
        prev_russia_threat_base=zn.copy(),
    )
