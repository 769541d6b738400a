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

from sim.engine import economy, events
from sim.engine.record import Recorder, nato_defects, record
from sim.engine.state import NEVER, Batch, State
from sim.mechanisms import (arming, beliefs, capacity, coercion, order, paradigms, security, small_states, stance,
                            threat)
from sim.worlds import type_motives
from sim.mechanisms.randomness import normal
from sim.mechanisms.security import ASPIRANT, LADDER_NAMES, MEMBER, PARTNER


def step(b: Batch, s: State, log, rec: Recorder, k: int) -> dict:
    """Advance every run of the batch through quarter ``k``; returns the quarter's observables."""
    before = _nato_role(s)
    events.fire_due(b, s, log, rec, k)
    s.nato_acted = _nato_role(s) > before  # evidence about NATO's persistence (M5 atrophy belief)
    decide(b, s, log, k)
    evolve(b, s, k)
    perceive(b, s, k)
    obs = record(b, s, rec, k)
    events.check_conditions(b, s, k)
    return obs


def _nato_role(s: State):
    """A monotone measure of NATO's role that only NATO's own acts raise — its governing function plus the
    ladder levels and expected accessions it has granted (``[R]``): did NATO extend its role this quarter?"""
    return s.function + s.ladder.sum(axis=1) + s.expected_join.sum(axis=1)


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
    imp = b.importance * cw.in_sphere * s.exists
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
    prot = security.ladder_value(b.tables["protection"], s.ladder)
    P_nato = nato_power(b, s, nato)
    opp_r = russia_opportunity(b, s, prot, P_nato)
    s.opportunity_russia = opp_r
    ow3, greed3 = type_motives(pr)
    emp = empathy(b, s)
    # M5 Russia's stance, by its own (private) type
    gain = stance.order_gain(s.expected_centrality, s.reference_centrality, 0.0, pr["order_scale"])
    margin_r = stance.stance_margin(b.russia, 1.0 - s.belief_about_west, s.threat_to_russia, gain, opp_r, pr)
    margin_r = margin_r + noise[:, rus]
    s.stance[:, rus] = margin_r >= 0
    s.russia_margin, s.russia_gain = margin_r, gain
    # M4: how likely that stance was under each type, by the rules applied to what observers see — Russia's
    # public prior for its trust, their estimate of its threat, the public trend of NATO's centrality
    seen_gain_r = stance.order_gain(s.centrality, s.west_reference_centrality, 0.0, pr["order_scale"])
    threat_hat_r = beliefs.estimated_insecurity(s.threat_to_russia, s.threat0_russia, emp)
    trust_hat_r = beliefs.estimated_insecurity(1.0 - s.belief_about_west, 1.0 - pr["prior_russia_about_west"], emp,
                                               cap=False)
    seen_r = stance.margins_by_type(trust_hat_r, threat_hat_r, seen_gain_r, opp_r, ow3, greed3, pr)
    seen_sd = beliefs.observer_noise(pr["decision_noise"], pr["private_uncertainty"])[:, None]
    s.russia_evidence += beliefs.choice_loglik(seen_r, s.stance[:, rus, None] == 1, seen_sd)
    s.russia_seen_margin, s.russia_seen_gain = seen_r, seen_gain_r  # read by acceptances of offers (M4)
    # M5 the West: every member by its own beliefs; the leader by its type
    trust_m = 1.0 - s.belief_about_russia
    m_margin = stance.security_margin(trust_m, s.threat_from_russia, ps)
    gain_w = stance.order_gain(s.centrality, s.west_reference_centrality, 1.0, pr["order_scale"])
    cap_nato = np.where(nato, s.capability, 0.0).sum(axis=1)
    opp_w = 1.0 - s.capability[:, rus] / np.maximum(cap_nato, 1e-9)
    m_margin[:, usa] = stance.stance_margin(b.west, trust_m[:, usa], s.threat_from_russia[:, usa], gain_w, opp_w, pr)
    others = np.ones(cw.n, dtype=bool)
    others[rus] = False
    held = pr["west_pulses_off"] >= 0.5  # the "Western pulses off" check: NATO's stance held at cooperate
    new = ((m_margin + noise) >= 0) | (held[:, None] & nato)
    s.stance[:, others] = new[:, others]
    # M4: Russia reads the leader's stance (held or not: Russia does not know the stance is held)
    threat_hat_w = beliefs.estimated_insecurity(s.threat_from_russia[:, usa], s.threat0_west, emp)
    trust_hat_w = beliefs.estimated_insecurity(trust_m[:, usa], 1.0 - s.prior_about_russia[:, usa], emp, cap=False)
    seen_w = stance.margins_by_type(trust_hat_w, threat_hat_w, gain_w, opp_w, ow3, greed3, pr)
    ll_w = beliefs.choice_loglik(seen_w, s.stance[:, usa, None] == 1, seen_sd)
    s.west_evidence += ll_w
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
    decide_arming(b, s, k, opp_r, P_nato, emp)


def empathy(b: Batch, s: State):
    """Observers' empathy this quarter (``[R]``): the parameter, raised by shared identity under M10."""
    return paradigms.constructivist_empathy(b.pr["empathy"], s.identity, b.pr["constructivist"], b.pr)


def decide_coercion(b: Batch, s: State, log, k: int, prot, P_nato):
    """M9 coercion and force, on last step's pressure (state of the world, not event identity); and the
    evidence observers draw from them — acts taken and acts not taken where they were open (M4)."""
    cw, pr, ps = b.cw, b.pr, b.ps
    rus = cw.rus
    pres = s.pressure
    cap = s.capacity[:, rus]
    bal = coercion.local_balance(s.capability[:, rus, None], s.capability, prot, P_nato[:, None])
    since = np.where(s.last_force_step == NEVER, 1e9, k - s.last_force_step)
    cost = ps["force_cost"] * s.capability / np.maximum(s.capability[:, rus, None], 1e-9)
    sphere = s.exists & (cw.in_sphere > 0)
    sphere[:, rus] = False
    open_f = coercion.force_possible(cap[:, None], bal, prot, since[:, None], ps) & sphere
    z_f = _sphere_noise(b, "force", k)
    force = coercion.force_decision(pres - cost, s.force_threshold[:, None], z_f, open_f) & (pres > 0)
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
            f"M9: pressure {pres[r, t]:.2f} - cost {cost[r, t]:.2f} + noise {z_f[r, t]:+.2f} >= force threshold "
            f"{s.force_threshold[r]:.2f} (drawn once), capacity {cap[r]:.2f}, local balance {bal[r, t]:.2f}, "
            f"protection {prot[r, t]:.2f}, tie '{LADDER_NAMES[s.ladder[r, t]]}'" for r, t in zip(rows, j)])
    open_c = coercion.coercion_possible(cap[:, None], s.coercing, ps) & sphere & ~force
    z_c = _sphere_noise(b, "coercion", k)
    start = coercion.coercion_decision(pres, ps["coercion_threshold"], z_c, open_c)
    s.coerced_now = start
    if start.any():
        s.coercing |= start
        s.last_coercion_of[start] = k
        runs, targets = np.nonzero(start)
        causes = []
        for r, t in zip(runs, targets):
            inst = coercion.coercion_instrument(b.energy_dependence[r, t], bool(s.ladder[r, t] == MEMBER))
            causes.append(f"M9: pressure {pres[r, t]:.2f} + noise {z_c[r, t]:+.2f} >= coercion threshold "
                          f"{pr['coercion_threshold'][r]:.2f}: {inst} (stake {s.stakes[r, t]:.2f}, "
                          f"tie '{LADDER_NAMES[s.ladder[r, t]]}')")
        log.add(runs, k, "coercion", cw.iso3[rus], [cw.iso3[t] for t in targets], False, causes)
    # cool-down
    s.coercing &= pres >= ps["coercion_cooldown"] * ps["coercion_threshold"]
    # M4: the pressure each type would feel in the same situation; the force threshold's draw is private, so
    # observers integrate over its distribution
    # (computed on the claimed states only: elsewhere nothing is open)
    ow3, greed3 = type_motives(pr)
    j = cw.sphere_idx
    p3 = {n: ps[n][..., None] for n in ("regime_pressure", "greed_pressure")}
    pres3 = coercion.pressure(s.stakes[:, j, None], b.importance[:, j, None], s.regime_memory[:, j, None],
                              greed3[:, None, :], prot[:, j, None], 1.0, s.frozen[:, j, None], bal[:, j, None], p3)
    sd = ps["coercion_noise"][..., None]  # M9 reads only public quantities: nothing private to add but the noise
    sd_f = np.sqrt(sd * sd + ps["force_threshold_sd"][..., None] ** 2)
    ll_f = beliefs.choice_loglik(pres3 - cost[:, j, None] - ps["force_threshold_mean"][..., None],
                                 force[:, j, None], sd_f)
    ll_c = beliefs.choice_loglik(pres3 - ps["coercion_threshold"][..., None], start[:, j, None], sd)
    s.russia_evidence += (np.where(open_f[:, j, None], ll_f, 0.0).sum(axis=1)
                          + np.where(open_c[:, j, None], ll_c, 0.0).sum(axis=1))


def _sphere_noise(b: Batch, stream: str, k: int):
    """M9 decision noise ``[R, N]``, drawn for the claimed states only (elsewhere nothing is open; the keyed
    draws of a state do not depend on which other states are drawn)."""
    cw = b.cw
    z = np.zeros((b.R, cw.n))
    z[:, cw.sphere_idx] = b.ps["coercion_noise"] * normal(b.seeds[:, None], cw.agent_keys[cw.sphere_idx], stream, k)
    return z


def decide_small_states(b: Batch, s: State, log, k: int, prot, P_nato):
    """M7 small states: applications and alignment."""
    cw, pr, ps = b.cw, b.pr, b.ps
    rus = cw.rus
    cand = s.exists & (s.ladder < MEMBER)
    cand[:, rus] = False
    r_share = s.capability[:, rus] / np.maximum(s.capability[:, rus] + P_nato, 1e-9)
    cost = small_states.retaliation_cost(r_share[:, None], prot, s.belief_about_russia, cw.in_sphere, ps)
    west = security.ladder_value(b.tables["expected_loss"], s.ladder)
    e = s.exists.astype(float)
    nb = cw.neighbours.astype(float)
    # (einsum, not BLAS: a matrix product's rounding depends on how many rows it is given, and a run's results
    # must not depend on its batch; e @ nb.T counts neighbours, integers, exact either way)
    contagion = e * np.einsum("rk,ik->ri", e * west, nb) / np.maximum(e * (e @ nb.T), 1.0)
    pull = small_states.western_pull(s.democracy, s.alignment, ps)
    avail = small_states.ally_availability(s.expected_join, s.ladder >= PARTNER, ps)
    demand = small_states.membership_demand(s.threat_from_russia, pull, cost, contagion, ps, avail)
    demand = small_states.frozen_conflict_damping(demand, s.frozen, ps)
    s.demand = np.where(cand, demand, np.where(s.ladder == MEMBER, 1.0, 0.0))
    noise = ps["application_noise"] * normal(b.seeds[:, None], cw.agent_keys, "application", k)
    apply_now = cand & ~s.applied & (s.demand + noise >= ps["apply_threshold"])
    apply_now &= ~small_states.bound_by_csto(s.csto, ps)  # (switch csto_exclusive; docs/model.md §7.7)
    if apply_now.any():
        s.applied |= apply_now
        s.ladder[apply_now] = np.maximum(s.ladder[apply_now], ASPIRANT)
        runs, states = np.nonzero(apply_now)
        log.add(runs, k, "application", [cw.iso3[j] for j in states], "NATO", False, [
                    f"M7: demand {s.demand[r, j]:.2f} + noise {noise[r, j]:+.2f} >= {pr['apply_threshold'][r]:.2f} "
                    f"(threat {s.threat_from_russia[r, j]:.2f}, retaliation cost {cost[r, j]:.2f}, "
                    f"contagion {contagion[r, j]:.2f})" for r, j in zip(runs, states)])
    target = small_states.alignment_target(s.demand, s.threat_from_russia, prot, s.alignment, ps)
    move = cand & (s.ladder < ASPIRANT)
    s.alignment = np.where(move, s.alignment + ps["alignment_speed"] * (target - s.alignment), s.alignment)


def decide_arming(b: Batch, s: State, k: int, opp_r, P_nato, emp):
    """M6 arming targets; the US effort follows the scenario's path where it has one. Observers read
    Russia's new effort against what each type would have chosen given their estimate of its insecurity."""
    cw, pr, ps = b.cw, b.pr, b.ps
    rus, usa = cw.rus, cw.usa
    opp = np.zeros_like(s.effort)
    mr, mw = b.russia, b.west
    opp[:, rus] = np.where((mr.order_weight > 0) | (mr.greed > 0), opp_r, 0.0)
    opp[:, usa] = np.where((mw.greed > 0) | (mw.order_weight > 0),
                           1.0 - s.capability[:, rus] / np.maximum(P_nato, 1e-9), 0.0)
    tgt = arming.target_effort(s.insecurity, opp, s.capacity, ps["peace_burden"], ps)
    s.prev_effort = s.effort.copy()
    s.effort = np.where(s.exists, arming.adjust_effort(s.effort, tgt, ps["arming_speed"], ps["arming_fatigue"],
                                                       ps["peace_burden"]), s.effort)
    if cw.us_burden is not None:
        s.effort[:, usa] = cw.us_burden[k]
    # M4: arming is a continuous act, seen with a named observation noise
    col = {n: ps[n] for n in ("arming_reaction", "opportunity_reaction", "max_burden")}
    s_hat = beliefs.estimated_insecurity(s.ins_total, s.ins0_russia, emp)[:, None]
    zero = np.zeros_like(opp_r)
    opp3 = np.stack([zero, opp_r, opp_r], axis=-1)  # revisionist and greedy types react to opportunity (M6)
    tgt3 = arming.target_effort(s_hat, opp3, s.capacity[:, rus, None], ps["peace_burden"], col)
    pred3 = arming.adjust_effort(s.prev_effort[:, rus, None], tgt3, ps["arming_speed"], ps["arming_fatigue"],
                                 ps["peace_burden"])
    s.russia_evidence += beliefs.gaussian_loglik(s.effort[:, rus, None], pred3, ps["arming_observation_noise"])


# --- 2. evolve ----------------------------------------------------------------------------------------

def evolve(b: Batch, s: State, k: int):
    cw, pr, ps = b.cw, b.pr, b.ps
    s.exists = np.tile(cw.exists[k], (b.R, 1))
    economy.evolve_economy(b, s, k)  # M1: damage, GDP, fiscal capacity, capability (sim/engine/economy.py)
    q = b.scenario.start + k
    for f in b.scenario.forces:
        if f.since == q and f.since > b.scenario.start and f.by == cw.iso3[cw.rus]:
            s.foothold[:, cw.index[f.host]] = 1.0
    quarters = 4.0  # half-lives are given in years
    s.frozen = coercion.decay(s.frozen, ps["frozen_conflict_years"] * quarters)
    s.regime_memory = coercion.decay(s.regime_memory, ps["regime_memory_years"] * quarters)
    s.force_memory = coercion.decay(s.force_memory, pr["force_memory_years"] * quarters)
    s.common_threat = coercion.decay(s.common_threat, pr["common_threat_years"] * quarters)
    # Russia's expectation that NATO will atrophy, learnt from what NATO does (M5; Sushentsov & Wohlforth 2020)
    s.atrophy = beliefs.atrophy_belief(s.atrophy, s.nato_acted, pr)


# --- 3. perceive --------------------------------------------------------------------------------------

def perceive(b: Batch, s: State, k: int, first: bool = False):
    cw, pr, ps = b.cw, b.pr, b.ps
    rus, usa = cw.rus, cw.usa
    exists = s.exists.astype(float)
    nato_m = nato_mask(s)
    nato = nato_m.astype(float)
    csto = (s.csto & s.exists).astype(float)
    prot = security.ladder_value(b.tables["protection"], s.ladder)
    # exposure (M2): Russia's to the West's holdings, others' to Russia's bloc and footholds
    held_w = security.west_holding(s.ladder, s.expected_join, b.tables, ps) * exists
    held_w[:, usa] = 1.0
    bw_rus = b.border_weighted[:, rus] * exists[:, rus, None] * exists
    x_r = threat.exposure_row(bw_rus, held_w)
    held_r = csto.copy()
    held_r[:, rus] = 1.0
    x_o = _exposure_of_others(cw, exists, held_r * exists, s.foothold * exists, ps["foothold_exposure"],
                              b.border_weighted)
    european = cw.european * exists
    P_west = threat.bloc_power(s.capability, nato, usa, pr["alliance_cohesion"])
    P_rus = threat.bloc_power(s.capability, csto, rus, pr["alliance_cohesion"])
    # M10 liberal: voice damps, democracies discount (a factor of exactly 1 when the switch is off)
    lib = pr["liberal"]
    # --- Russia's threat from the West (M2), weighed against any threat both sides share (Walt 1987)
    common = pr["common_threat_level"] * s.common_threat
    base_now = threat.relative_power(P_west, P_rus, pr["power_exponent"]) * x_r * s.offense_west
    lib_r = paradigms.liberal_threat_discount(s.democracy[:, rus], s.democracy[:, usa], lib, pr)
    b_rw = s.belief_about_west
    t_r = threat.against_prevailing(threat.perceived_threat(base_now * lib_r, 1.0, 1.0, b_rw, pr["kappa"]), common)
    # --- the order (C) and Russia's voice
    s.voice = events.russia_voice(b, s.members)
    func = order.function_from_voice(s.function, s.voice, pr)
    s.centrality = order.centrality(s.capability, s.ladder, european, func, b.tables)
    s.expected_centrality = order.expected_centrality(s.capability, s.ladder, s.expected_join, european, func,
                                                      s.atrophy, b.tables)
    if first:
        s.reference_centrality = s.expected_centrality.copy()
        s.west_reference_centrality = s.centrality.copy()
    else:
        s.reference_centrality = s.reference_centrality + pr["order_adaptation"] * (
            s.expected_centrality - s.reference_centrality)
        s.west_reference_centrality = s.west_reference_centrality + pr["order_adaptation"] * (
            s.centrality - s.west_reference_centrality)
    # --- M3 Russia's broad insecurity
    drift = security.western_drift(s.ladder, s.eu_level, s.alignment, b.tables, ps)
    sphere = security.sphere_loss(drift, b.importance, cw.in_sphere, s.exists)
    regime = security.regime_threat(s.regime_memory, b.importance, cw.in_sphere)
    status = security.status_gap(s.centrality, order.voice_in_status(s.voice, pr))
    comps = security.insecurity(t_r + common, status, sphere, regime, pr)
    s.ins_military, s.ins_status, s.ins_sphere, s.ins_regime, s.ins_total = (
        comps["military"], comps["status"], comps["sphere"], comps["regime"], comps["total"])
    s.threat_to_russia = t_r
    # --- others' threat from Russia (M2)
    own = s.capability + prot * P_west[:, None]
    own = np.where(nato > 0, P_west[:, None], own)
    offense_r = coercion.offense_after_force(s.force_memory, pr["force_offense"])
    base_o_actual = threat.relative_power(P_rus[:, None], own, ps["power_exponent"]) * x_o * offense_r[:, None]
    base_o = base_o_actual * paradigms.liberal_threat_discount(s.democracy, s.democracy[:, rus, None], ps["liberal"], ps)
    t_o = threat.against_prevailing(threat.perceived_threat(base_o, 1.0, 1.0, s.belief_about_russia, ps["kappa"]),
                                    common[:, None])
    t_o[:, rus] = 0.0
    s.threat_from_russia = t_o * exists
    ins = ps["w_military"] * (s.threat_from_russia + common[:, None] * exists)
    ins[:, rus] = s.ins_total
    s.insecurity = ins
    # --- M9 pressure (read next step)
    s.stakes = security.stakes(s.ladder, s.eu_level, s.alignment, b.tables, ps)
    bal = coercion.local_balance(s.capability[:, rus, None], s.capability, prot, P_west[:, None])
    s.pressure = coercion.pressure(s.stakes, b.importance, s.regime_memory, b.russia.greed[:, None], prot,
                                   cw.in_sphere, s.frozen, bal, ps) * exists
    if first:  # what the great powers felt before anything either side did in the run (observers' empathy, M4)
        s.threat0_russia, s.ins0_russia = t_r.copy(), s.ins_total.copy()
        s.threat0_west = s.threat_from_russia[:, usa].copy()
    else:
        update_beliefs(b, s, k, nato_m, P_west, P_rus, x_r, x_o, lib_r, status, sphere, regime, offense_r)
    s.prev_rus_power, s.prev_west_threat_base = P_rus, base_now
    s.prev_status, s.prev_sphere, s.prev_regime = status, sphere, regime
    s.prev_own_power, s.prev_russia_threat_base = own, base_o_actual


def _exposure_of_others(cw, exists, held, foothold, foothold_exposure, bw=None):
    """:func:`sim.mechanisms.threat.exposure` over the borders of states that exist in each run. ``bw``: the
    weighted borders of each run, ``b.border_weighted`` ``[R, N, N]`` (``core_distance_km`` per run); None: the
    compiled world's ``[N, N]`` at the default scale (the same numbers: einsum sums each row alike)."""
    sub = "rk,ik->ri" if bw is None else "rk,rik->ri"
    bw = cw.border_weighted if bw is None else bw
    total = exists * np.einsum(sub, exists, bw)  # einsum: rounding independent of the batch size
    held_km = exists * np.einsum(sub, held * exists, bw)
    x = np.divide(held_km, total, out=np.zeros_like(held_km), where=total > 0)
    return np.minimum(np.maximum(x + foothold_exposure * foothold, 0.0), 1.0)


def update_beliefs(b, s, k, nato_m, P_west, P_rus, x_r, x_o, lib_r, status, sphere, regime, offense_r):
    """M4 beliefs over the three types. The evidence of the quarter's acts — their log-likelihood under each
    type's own rule, gathered where the acts were decided (stances, coercion and force, arming, acceptances:
    ``s.russia_evidence``; the leader's stance, NATO's decisions and acts: ``s.west_evidence``) — is read with
    Jervis's misperception bias on the harm the act did the observer, and with perception noise.

    The harm an act did is the change in the observer's insecurity that the *actor's* side caused since last
    quarter: the observer's own capability and its own beliefs are held at last quarter's values, so that
    nobody reads its own arming or its own fears as the other's act; force and coercion are Russia's acts."""
    cw, pr, ps = b.cw, b.pr, b.ps
    rus = cw.rus
    b_rw = s.belief_about_west
    kappa_term = pr["kappa"] + (1 - pr["kappa"]) * b_rw
    west_mil = threat.relative_power(P_west, s.prev_rus_power, pr["power_exponent"]) * x_r * s.offense_west
    harm_r = (pr["w_military"] * (west_mil - s.prev_west_threat_base) * lib_r * kappa_term
              + pr["status_weight"] * (status - s.prev_status)
              + pr["sphere_weight"] * (sphere - s.prev_sphere)
              + pr["regime_weight"] * (regime - s.prev_regime))
    harm_r = harm_r * paradigms.liberal_harm_damping(s.voice, pr["liberal"], pr)
    ident = s.identity
    noise_all = ps["perception_noise"] * normal(b.seeds[:, None], cw.agent_keys, "perception", k)
    # Russia about the West
    ll_w = s.west_evidence.copy()
    ll_w[:, 1:] += (beliefs.misperception_bias(harm_r, pr["misperception"], pr["distinguishability"])
                    + noise_all[:, rus])[:, None]
    prior_w = beliefs.prior_vector(paradigms.constructivist_prior(pr["prior_russia_about_west"], ident,
                                                                  pr["constructivist"], pr))
    s.belief_west = beliefs.update(beliefs.predict(s.belief_west, prior_w, pr["type_switch_hazard"]), ll_w,
                                   pr["max_log_lr"])
    s.belief_about_west = beliefs.not_security_seeker(s.belief_west)
    # others about Russia: Russia's side moved (its bloc's power, footholds, offense), own power held
    russia_mil = threat.relative_power(P_rus[:, None], s.prev_own_power, ps["power_exponent"]) * x_o * offense_r[:, None]
    harm_o = (russia_mil - s.prev_russia_threat_base) * (ps["kappa"] + (1 - ps["kappa"]) * s.belief_about_russia)
    hit = np.flatnonzero(s.force_target >= 0)
    if len(hit):
        ft = s.force_target[hit]
        harm_o[hit] = harm_o[hit] + coercion.act_signal(ps["force_signal"][hit], 1.0 + b.importance[hit, ft][:, None],
                                                        b.core_weight[hit, :, ft])
    for j in np.flatnonzero(s.coerced_now.any(axis=0)):  # in the order of the states, as added one by one
        rows = np.flatnonzero(s.coerced_now[:, j])
        harm_o[rows] = harm_o[rows] + coercion.act_signal(ps["force_signal"][rows], ps["coercion_share"][rows],
                                                          b.core_weight[rows, :, j])
    ll_o = np.repeat(s.russia_evidence[:, None, :], cw.n, axis=1)
    ll_o[..., 1:] += (beliefs.misperception_bias(harm_o, ps["misperception"], ps["distinguishability"])
                      + noise_all)[..., None]
    b_pred = beliefs.predict(s.belief_russia, s.prior_russia, pr["type_switch_hazard"])
    s.belief_russia = np.where(s.exists[..., None], beliefs.update(b_pred, ll_o, pr["max_log_lr"]), s.belief_russia)
    s.belief_about_russia = beliefs.not_security_seeker(s.belief_russia)
    s.west_evidence[:] = 0.0
    s.russia_evidence[:] = 0.0
    channels = s.members[:, :, rus].sum(axis=1)
    s.identity = paradigms.identity_update(ident, channels, np.maximum(harm_r, 0.0), pr["constructivist"], pr)
