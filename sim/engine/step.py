"""One quarter of every run of a batch (the engine): a plain function of (batch, state, quarter).

The schedule of :func:`step`:

0. **events** — the scripted and conditional events due this quarter fire (masked over runs);
1. **decide** — every actor decides from what it perceived at the end of the previous step (a generic
   one-step lag, docs/theory.md §9): stances (M5), answers to pending offers (M5/M7), proposals, coercion and force
   (M9), applications and alignment (M7), arming targets (M6);
2. **evolve** — economy and capability (M1), frozen conflicts and memories decay;
3. **perceive** — threat (M2), insecurity (M3), the harm each side's acts did, beliefs (M4);
4. **record** — observables; conditional events whose condition now holds are scheduled.

Everything broadcasts over the leading runs axis; the few loops left run over event targets or over the
states Russia coerced this quarter, never over runs. The theory is in :mod:`sim.mechanisms`.
"""

from __future__ import annotations

import numpy as np

from sim.engine import events
from sim.engine.record import Recorder, nato_defects, record
from sim.engine.state import NEVER, Batch, State
from sim.mechanisms import (arming, beliefs, capacity, coercion, order, paradigms, security, small_states, stance,
                            threat)
from sim.mechanisms.randomness import normal
from sim.mechanisms.security import ASPIRANT, EXPECTED_LOSS, LADDER_NAMES, MEMBER, PARTNER, PROTECTION


def step(b: Batch, s: State, log, rec: Recorder, k: int) -> dict:
    """Advance every run of the batch through quarter ``k``; returns the quarter's observables."""
    events.fire_due(b, s, log, rec, k)
    decide(b, s, log, k)
    evolve(b, s, k)
    perceive(b, s, k)
    obs = record(b, s, rec, k)
    events.check_conditions(b, s, k)
    return obs


# --- derived quantities (recomputed from the state whenever they are read) -------------------------------

def nato_mask(s: State):
    return (s.ladder == MEMBER) & s.exists


def nato_power(b: Batch, s: State, nato):
    """NATO's bloc power (M2: allies' capability discounted by cohesion)."""
    return threat.bloc_power(s.capability, nato, b.cw.usa, b.pr["alliance_cohesion"])


def russia_opportunity(b: Batch, s: State, prot, P_nato):
    """Russia's perceived opportunity: the importance-weighted local balance over unprotected sphere
    states (used by revisionist and greedy types in M5 and M6)."""
    cw = b.cw
    imp = cw.importance * cw.in_sphere * s.exists
    total = imp.sum(axis=1)
    bal = coercion.local_balance(s.capability[:, cw.rus, None], s.capability, prot, P_nato[:, None])
    opp = (imp * (1 - prot) * bal).sum(axis=1)
    return np.where(total > 0, opp / np.where(total > 0, total, 1.0), 0.0)


# --- 1. decide ----------------------------------------------------------------------------------------

def decide(b: Batch, s: State, log, k: int):
    cw, pr, ps = b.cw, b.pr, b.ps
    rus, usa = cw.rus, cw.usa
    noise = ps["decision_noise"] * normal(b.seeds[:, None], cw.agent_keys, "stance", k)
    nato = nato_mask(s)
    prot = PROTECTION[s.ladder]
    P_nato = nato_power(b, s, nato)
    opp_r = russia_opportunity(b, s, prot, P_nato)
    # M5 Russia's stance
    gain = stance.order_gain(s.expected_centrality, s.reference_centrality, 0.0, pr["order_scale"])
    margin_r = stance.stance_margin(b.russia, 1.0 - s.belief_about_west, s.threat_to_russia, gain, opp_r, pr)
    margin_r = margin_r + pr["common_threat_value"] * s.common_threat + noise[:, rus]
    s.stance[:, rus] = margin_r >= 0
    s.russia_margin, s.russia_gain = margin_r, gain
    # M5 the West: every member by its own beliefs; the leader by its type
    trust_m = 1.0 - s.belief_about_russia
    common = (pr["common_threat_value"] * s.common_threat)[:, None]
    m_margin = stance.security_margin(trust_m, s.threat_from_russia, ps) + common
    gain_w = stance.order_gain(s.centrality, s.west_reference_centrality, 1.0, pr["order_scale"])
    cap_nato = np.where(nato, s.capability, 0.0).sum(axis=1)
    opp_w = 1.0 - s.capability[:, rus] / np.maximum(cap_nato, 1e-9)
    m_margin[:, usa] = stance.stance_margin(b.west, trust_m[:, usa], s.threat_from_russia[:, usa], gain_w, opp_w,
                                            pr) + common[:, 0]
    others = np.ones(cw.n, dtype=bool)
    others[rus] = False
    s.stance[:, others] = (m_margin + noise)[:, others] >= 0
    # M5/M7 pending offers, decided one step after they were made
    events.decide_offers(b, s, log, k)
    # proposals of an inclusive order (emergent; Sushentsov & Wohlforth 2020, Ratti 2009: CSCE primacy)
    proposes, motive = stance.proposes_inclusive_order(s.stance[:, rus] == 1, b.russia.order_weight, s.centrality,
                                                       s.ins_status, k - s.last_proposal_step, pr)
    rows = np.flatnonzero(proposes)
    if len(rows):
        s.last_proposal_step[rows] = k
        log.add(rows, k, "proposal", cw.iso3[rus], "OSCE", False,
                [f"M5: cooperative stance (margin {margin_r[r]:+.2f}) and order motive {motive[r]:.2f} >= "
                 f"{pr['proposal_threshold'][r]:.2f}: proposes an inclusive order" for r in rows])
    decide_coercion(b, s, log, k, prot, P_nato)
    decide_small_states(b, s, log, k, prot, P_nato)
    decide_arming(b, s, k, opp_r, P_nato)


def decide_coercion(b: Batch, s: State, log, k: int, prot, P_nato):
    """M9 coercion and force, on last step's pressure (state of the world, not event identity)."""
    cw, pr, ps = b.cw, b.pr, b.ps
    rus = cw.rus
    pres = s.pressure
    cap = s.capacity[:, rus]
    bal = coercion.local_balance(s.capability[:, rus, None], s.capability, prot, P_nato[:, None])
    since = np.where(s.last_force_step == NEVER, 1e9, k - s.last_force_step)
    cost = ps["force_cost"] * s.capability / np.maximum(s.capability[:, rus, None], 1e-9)
    force = (coercion.force_decision(pres - cost, s.force_threshold[:, None], cap[:, None], ps["force_capacity_min"],
                                     bal, prot, since[:, None], ps["refractory_quarters"])
             & s.exists & (pres > 0) & (cw.in_sphere > 0))
    force[:, rus] = False
    rows = np.flatnonzero(force.any(axis=1))
    s.force_target[:] = -1
    if len(rows):
        j = np.argmax(np.where(force[rows], pres[rows], -1), axis=1)
        s.last_force_step[rows] = k
        s.frozen[rows, j] = 1.0
        s.foothold[rows, j] = 1.0
        s.force_memory[rows] = 1.0
        s.expected_join[rows, j] = 0.0
        s.coercing[rows, j] = False
        s.force_target[rows] = j
        s.last_force_against[rows, j] = k
        log.add(rows, k, "use_of_force", cw.iso3[rus], [cw.iso3[t] for t in j], False, [
            f"M9: pressure {pres[r, t]:.2f} >= force threshold {s.force_threshold[r]:.2f} (drawn once), "
            f"capacity {cap[r]:.2f} >= {pr['force_capacity_min'][r]:.2f}, local balance {bal[r, t]:.2f}, "
            f"protection {prot[r, t]:.2f}, tie '{LADDER_NAMES[s.ladder[r, t]]}'" for r, t in zip(rows, j)])
    start = coercion.coercion_decision(pres, ps["coercion_threshold"], cap[:, None], s.coercing) & s.exists & ~force
    start[:, rus] = False
    s.coerced_now = start
    if start.any():
        s.coercing |= start
        s.last_coercion_of[start] = k
        runs, targets = np.nonzero(start)
        causes = []
        for r, t in zip(runs, targets):
            inst = coercion.coercion_instrument(cw.energy_dependence[t], bool(s.ladder[r, t] == MEMBER))
            causes.append(f"M9: pressure {pres[r, t]:.2f} >= coercion threshold {pr['coercion_threshold'][r]:.2f}: "
                          f"{inst} (stake {s.stakes[r, t]:.2f}, tie '{LADDER_NAMES[s.ladder[r, t]]}')")
        log.add(runs, k, "coercion", cw.iso3[rus], [cw.iso3[t] for t in targets], False, causes)
    # cool-down
    s.coercing &= pres >= 0.8 * ps["coercion_threshold"]


def decide_small_states(b: Batch, s: State, log, k: int, prot, P_nato):
    """M7 small states: applications and alignment."""
    cw, pr, ps = b.cw, b.pr, b.ps
    rus = cw.rus
    cand = s.exists & (s.ladder < MEMBER)
    cand[:, rus] = False
    r_share = s.capability[:, rus] / np.maximum(s.capability[:, rus] + P_nato, 1e-9)
    cost = small_states.retaliation_cost(r_share[:, None], prot, s.belief_about_russia, cw.in_sphere)
    west = EXPECTED_LOSS[s.ladder]
    e = s.exists.astype(float)
    nb = cw.neighbours.astype(float)
    # (einsum, not BLAS: a matrix product's rounding depends on how many rows it is given, and a run's results
    # must not depend on its batch; e @ nb.T counts neighbours, integers, exact either way)
    contagion = e * np.einsum("rk,ik->ri", e * west, nb) / np.maximum(e * (e @ nb.T), 1.0)
    pull = small_states.western_pull(s.democracy, s.alignment)
    avail = small_states.ally_availability(s.expected_join, s.ladder >= PARTNER)
    demand = small_states.membership_demand(s.threat_from_russia, pull, cost, contagion, ps, avail)
    demand = small_states.frozen_conflict_damping(demand, s.frozen)
    s.demand = np.where(cand, demand, np.where(s.ladder == MEMBER, 1.0, 0.0))
    noise = 0.05 * normal(b.seeds[:, None], cw.agent_keys, "application", k)
    apply_now = cand & ~s.applied & (s.demand + noise >= ps["apply_threshold"])
    if apply_now.any():
        s.applied |= apply_now
        s.ladder[apply_now] = np.maximum(s.ladder[apply_now], ASPIRANT)
        runs, states = np.nonzero(apply_now)
        log.add(runs, k, "application", [cw.iso3[j] for j in states], "NATO", False, [
                    f"M7: demand {s.demand[r, j]:.2f} + noise {noise[r, j]:+.2f} >= {pr['apply_threshold'][r]:.2f} "
                    f"(threat {s.threat_from_russia[r, j]:.2f}, retaliation cost {cost[r, j]:.2f}, "
                    f"contagion {contagion[r, j]:.2f})" for r, j in zip(runs, states)])
    target = small_states.alignment_target(s.demand, s.threat_from_russia, prot, s.alignment)
    move = cand & (s.ladder < ASPIRANT)
    s.alignment = np.where(move, s.alignment + ps["alignment_speed"] * (target - s.alignment), s.alignment)


def decide_arming(b: Batch, s: State, k: int, opp_r, P_nato):
    """M6 arming targets; the US effort follows the scenario's path where it has one."""
    cw, ps = b.cw, b.ps
    rus, usa = cw.rus, cw.usa
    opp = np.zeros_like(s.effort)
    mr, mw = b.russia, b.west
    opp[:, rus] = np.where((mr.order_weight > 0) | (mr.greed > 0), opp_r, 0.0)
    opp[:, usa] = np.where((mw.greed > 0) | (mw.order_weight > 0),
                           0.5 * (1.0 - s.capability[:, rus] / np.maximum(P_nato, 1e-9)), 0.0)
    tgt = arming.target_effort(s.insecurity, opp, s.capacity, ps["peace_burden"], ps)
    s.effort = np.where(s.exists, arming.adjust_effort(s.effort, tgt, ps["arming_speed"]), s.effort)
    if cw.us_burden is not None:
        s.effort[:, usa] = cw.us_burden[k]


# --- 2. evolve ----------------------------------------------------------------------------------------

def evolve(b: Batch, s: State, k: int):
    cw, pr, ps = b.cw, b.pr, b.ps
    s.exists = np.tile(cw.exists[k], (b.R, 1))
    s.gdp = np.tile(cw.gdp[k], (b.R, 1))
    peak_decay = 0.5 ** (1.0 / (4.0 * ps["fiscal_reference_years"]))
    s.gdp_peak = np.maximum(s.gdp_peak * peak_decay, s.gdp)
    s.capacity = capacity.fiscal_capacity(s.capacity, s.gdp, s.gdp_peak, ps["fiscal_memory"])
    s.capability = capacity.accumulate(s.capability, s.effort, s.gdp, ps["depreciation"])
    q = b.scenario.start + k
    for f in b.scenario.forces:
        if f.since == q and f.since > b.scenario.start and f.by == cw.iso3[cw.rus]:
            s.foothold[:, cw.index[f.host]] = 1.0
    half = 4.0
    s.frozen = coercion.decay(s.frozen, ps["frozen_conflict_years"] * half)
    s.regime_memory = coercion.decay(s.regime_memory, ps["regime_memory_years"] * half)
    s.force_memory = coercion.decay(s.force_memory, 8.0)
    s.common_threat = coercion.decay(s.common_threat, 4.0)
    s.atrophy = s.atrophy * (1.0 - pr["atrophy_learning"])


# --- 3. perceive --------------------------------------------------------------------------------------

def perceive(b: Batch, s: State, k: int, first: bool = False):
    cw, pr, ps = b.cw, b.pr, b.ps
    rus, usa = cw.rus, cw.usa
    exists = s.exists.astype(float)
    nato_m = nato_mask(s)
    nato = nato_m.astype(float)
    csto = (s.csto & s.exists).astype(float)
    prot = PROTECTION[s.ladder]
    # exposure (M2): Russia's to the West's holdings, others' to Russia's bloc and footholds
    held_w = security.west_holding(s.ladder, s.expected_join) * exists
    held_w[:, usa] = 1.0
    bw_rus = cw.border_weighted[rus] * exists[:, rus, None] * exists
    x_r = threat.exposure_row(bw_rus, held_w)
    held_r = csto.copy()
    held_r[:, rus] = 1.0
    x_o = _exposure_of_others(cw, exists, held_r * exists, s.foothold * exists, ps["foothold_exposure"])
    european = cw.european * exists
    P_west = threat.bloc_power(s.capability, nato, usa, pr["alliance_cohesion"])
    P_rus = threat.bloc_power(s.capability, csto, rus, pr["alliance_cohesion"])
    # M10 liberal: voice damps, democracies discount (a factor of exactly 1 when the switch is off)
    lib = pr["liberal"]
    # --- Russia's threat from the West (M2)
    base_now = threat.relative_power(P_west, P_rus, pr["power_exponent"]) * x_r * s.offense_west
    lib_r = paradigms.liberal_threat_discount(s.democracy[:, rus], s.democracy[:, usa], lib)
    b_rw = s.belief_about_west
    t_r = threat.perceived_threat(base_now * lib_r, 1.0, 1.0, b_rw, pr["kappa"])
    # --- the order (C) and Russia's voice
    vprod = np.ones(b.R)
    for ai, a in enumerate(b.scenario.alliances):
        if a.voice > 0:
            vprod = np.where(s.members[:, ai, rus], vprod * (1.0 - a.voice), vprod)
    s.voice = 1.0 - vprod
    func = order.function_from_voice(s.function, s.voice, pr)
    s.centrality = order.centrality(s.capability, s.ladder, european, func)
    s.expected_centrality = order.expected_centrality(s.capability, s.ladder, s.expected_join, european, func,
                                                      s.atrophy)
    if first:
        s.reference_centrality = s.expected_centrality.copy()
        s.west_reference_centrality = s.centrality.copy()
    else:
        s.reference_centrality = s.reference_centrality + pr["order_adaptation"] * (
            s.expected_centrality - s.reference_centrality)
        s.west_reference_centrality = s.west_reference_centrality + pr["order_adaptation"] * (
            s.centrality - s.west_reference_centrality)
    # --- M3 Russia's broad insecurity
    drift = security.western_drift(s.ladder, s.eu_level, s.alignment)
    sphere = security.sphere_loss(drift, cw.importance, cw.in_sphere, s.exists)
    regime = security.regime_threat(s.regime_memory, cw.importance, cw.in_sphere)
    status = security.status_gap(s.centrality, s.voice)
    comps = security.insecurity(t_r, status, sphere, regime, pr)
    s.ins_military, s.ins_status, s.ins_sphere, s.ins_regime, s.ins_total = (
        comps["military"], comps["status"], comps["sphere"], comps["regime"], comps["total"])
    s.threat_to_russia = t_r
    # --- others' threat from Russia (M2)
    own = s.capability + prot * P_west[:, None]
    own = np.where(nato > 0, P_west[:, None], own)
    offense_r = coercion.offense_after_force(s.force_memory)
    base_o_actual = threat.relative_power(P_rus[:, None], own, ps["power_exponent"]) * x_o * offense_r[:, None]
    base_o = base_o_actual * paradigms.liberal_threat_discount(s.democracy, s.democracy[:, rus, None], ps["liberal"])
    t_o = threat.perceived_threat(base_o, 1.0, 1.0, s.belief_about_russia, ps["kappa"])
    t_o[:, rus] = 0.0
    s.threat_from_russia = t_o * exists
    ins = ps["w_military"] * s.threat_from_russia
    ins[:, rus] = s.ins_total
    s.insecurity = ins
    # --- M9 pressure (read next step)
    s.stakes = security.stakes(s.ladder, s.eu_level, s.alignment)
    s.pressure = coercion.pressure(s.stakes, cw.importance, s.regime_memory, b.russia.greed[:, None], prot,
                                   cw.in_sphere, s.frozen) * exists
    if not first:
        update_beliefs(b, s, k, nato_m, P_west, P_rus, x_r, x_o, lib_r, status, sphere, regime, offense_r)
    s.prev_rus_power, s.prev_west_threat_base = P_rus, base_now
    s.prev_status, s.prev_sphere, s.prev_regime = status, sphere, regime
    s.prev_own_power, s.prev_russia_threat_base = own, base_o_actual


def _exposure_of_others(cw, exists, held, foothold, foothold_exposure):
    """:func:`sim.mechanisms.threat.exposure` over the borders of states that exist in each run."""
    bw = cw.border_weighted
    total = exists * np.einsum("rk,ik->ri", exists, bw)  # einsum: rounding independent of the batch size
    held_km = exists * np.einsum("rk,ik->ri", held * exists, bw)
    x = np.divide(held_km, total, out=np.zeros_like(held_km), where=total > 0)
    return np.minimum(np.maximum(x + foothold_exposure * foothold, 0.0), 1.0)


def update_beliefs(b, s, k, nato_m, P_west, P_rus, x_r, x_o, lib_r, status, sphere, regime, offense_r):
    """M4 beliefs. The harm an act did is the change in the observer's insecurity that the *actor's* side
    caused since last quarter: the observer's own capability and its own beliefs are held at last quarter's
    values, so that nobody reads its own arming or its own fears as the other's act."""
    cw, pr, ps = b.cw, b.pr, b.ps
    rus = cw.rus
    b_rw = s.belief_about_west
    kappa_term = pr["kappa"] + (1 - pr["kappa"]) * b_rw
    west_mil = threat.relative_power(P_west, s.prev_rus_power, pr["power_exponent"]) * x_r * s.offense_west
    harm_r = (pr["w_military"] * (west_mil - s.prev_west_threat_base) * lib_r * kappa_term
              + pr["status_weight"] * (status - s.prev_status)
              + pr["sphere_weight"] * (sphere - s.prev_sphere)
              + pr["regime_weight"] * (regime - s.prev_regime))
    harm_r = harm_r + beliefs.stance_harm(nato_defects(s, nato_m), pr["exploitation_cost"])
    harm_r = harm_r * paradigms.liberal_harm_damping(s.voice, pr["liberal"])
    ident = s.identity
    emp = paradigms.constructivist_empathy(pr["empathy"], ident, pr["constructivist"])
    w = np.where(nato_m, s.capability, 0.0)
    any_nato = nato_m.any(axis=1)
    west_ins = np.where(any_nato, (s.insecurity * w).sum(axis=1) / np.where(any_nato, w.sum(axis=1), 1.0), 0.0)
    noise_all = ps["perception_noise"] * normal(b.seeds[:, None], cw.agent_keys, "perception", k)
    llr = beliefs.log_likelihood_ratio(harm_r, pr["distinguishability"], pr["misperception"], emp, west_ins,
                                       pr["max_log_lr"], noise_all[:, rus])
    prior_rw = paradigms.constructivist_prior(pr["prior_russia_about_west"], ident, pr["constructivist"])
    s.belief_about_west = beliefs.update(beliefs.predict(b_rw, prior_rw, pr["type_switch_hazard"]), llr)
    # others about Russia: Russia's side moved (its bloc's power, footholds, offense), own power held
    russia_mil = threat.relative_power(P_rus[:, None], s.prev_own_power, ps["power_exponent"]) * x_o * offense_r[:, None]
    harm_o = (russia_mil - s.prev_russia_threat_base) * (ps["kappa"] + (1 - ps["kappa"]) * s.belief_about_russia)
    harm_o = harm_o + beliefs.stance_harm(s.stance[:, rus] == 0, pr["exploitation_cost"])[:, None]
    hit = np.flatnonzero(s.force_target >= 0)
    if len(hit):
        ft = s.force_target[hit]
        harm_o[hit] = harm_o[hit] + coercion.act_signal(ps["force_signal"][hit], 1.0 + cw.importance[ft][:, None],
                                                        cw.core_weight[:, ft].T)
    for j in np.flatnonzero(s.coerced_now.any(axis=0)):  # in the order of the states, as added one by one
        rows = np.flatnonzero(s.coerced_now[:, j])
        harm_o[rows] = harm_o[rows] + coercion.act_signal(ps["force_signal"][rows], coercion.COERCION_SHARE,
                                                          cw.core_weight[:, j])
    llr_o = beliefs.log_likelihood_ratio(harm_o, ps["distinguishability"], ps["misperception"], emp[:, None],
                                         s.ins_total[:, None], ps["max_log_lr"], noise_all)
    b_pred = beliefs.predict(s.belief_about_russia, s.prior_about_russia, ps["type_switch_hazard"])
    s.belief_about_russia = np.where(s.exists, beliefs.update(b_pred, llr_o), s.belief_about_russia)
    channels = s.members[:, :, rus].sum(axis=1)
    s.identity = paradigms.identity_update(ident, channels, np.maximum(harm_r, 0.0), pr["constructivist"])
