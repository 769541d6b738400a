"""Scripted and conditional events as masked updates over the runs of a batch (the engine).

Every event fires in the runs of a mask: a scripted event in every run (unless it is an endogenous
decision that NATO's M8 vote blocks in some runs), a conditional event in the runs whose own history meets
its condition. Effects come from the event's kind and attributes and the actors' state, never from a
magnitude set per event (docs/theory.md §3). Offers are *queued*: the targets decide with a one-step lag by their
own rules (M5, M7) — Russia's acceptances are emergent. Each effect returns the ``cause`` text of the event
log, one string for every run or one per run.
"""

from __future__ import annotations

import numpy as np

from sim.engine.state import NEVER, POSTURE_COMPONENTS, Batch, State
from sim.mechanisms import alliance, beliefs, order, security, small_states, stance
from sim.worlds import type_motives
from sim.mechanisms.randomness import normal
from sim.mechanisms.security import ASPIRANT, INVITED, MAP, MEMBER, PARTNER, PLEDGED

# Offense posture of the West as Russia perceives it (world data; docs/model.md): missile-defence sites
# and forward presence raise NATO's offense term in M2; the ABM treaty's end removes a restraint.
POSTURE_OFFENSE = {"missile_defence": 0.25, "forward_presence": 0.25, "abm_treaty": 0.1}
POSTURE_LEVEL = {"plan": 0.5, "deploy": 1.0, "cancel": 0.0, "withdraw": 1.0}
DECIDED_BY_VOTE = ("invitation", "accession", "membership_pledge", "map_granted")


def _idx(b: Batch, names) -> list[int]:
    return [b.cw.index[c] for c in names]


def _raise_ladder(s: State, rows, idx, level):
    sub = s.ladder[np.ix_(rows, idx)]
    s.ladder[np.ix_(rows, idx)] = np.maximum(sub, level)


# --- the effects, by kind ---------------------------------------------------------------------------

def enlargement_signal(b, s, e, rows, step):
    cred = b.pr["signal_credibility"][rows] * order.STAGE_CREDIBILITY[e.attr("stage")]
    idx = _idx(b, e.attr("candidates"))
    ix = np.ix_(rows, idx)
    s.expected_join[ix] = np.maximum(s.expected_join[ix], cred[:, None])
    _raise_ladder(s, rows, idx, ASPIRANT)
    s.atrophy[rows] *= 0.8  # NATO announces a future: Russia's expectation that it will atrophy fades (Sushentsov & Wohlforth 2020)
    names = ", ".join(e.attr("candidates"))
    return [f"expected accession of {names} at credibility {c:.2f}" for c in cred]


def invitation(b, s, e, rows, step):
    idx = _idx(b, e.attr("targets"))
    _raise_ladder(s, rows, idx, INVITED)
    s.expected_join[np.ix_(rows, idx)] = 1.0
    return "targets invited"


def accession(b, s, e, rows, step):
    actor, idx = e.attr("actor"), _idx(b, e.attr("targets"))
    if actor == "NATO":
        _raise_ladder(s, rows, idx, MEMBER)
        s.atrophy[rows] *= 0.8  # NATO acts: Russia's expectation that it will atrophy fades (Sushentsov & Wohlforth 2020)
    elif actor == "CSTO":
        s.csto[np.ix_(rows, idx)] = True
    elif actor == "EU":
        s.eu_level[np.ix_(rows, idx)] = 2
    else:
        s.members[np.ix_(rows, [_alliance(b, actor)], idx)] = True
    return f"{actor} membership"


def partnership_offer(b, s, e, rows, step):
    _queue_offer(s, e, rows, step)
    if e.attr("actor") == "NATO":  # NATO as the hub
        s.function[rows] = np.minimum(1.0, s.function[rows] + 0.5 * b.pr["operation_centrality"][rows])
    return f"offer of {e.attr('institution')} queued for decision"


def institution_offer(b, s, e, rows, step):
    _queue_offer(s, e, rows, step)
    return f"offer of {e.attr('institution')} queued for decision"


def membership_pledge(b, s, e, rows, step):
    idx = _idx(b, e.attr("targets"))
    _raise_ladder(s, rows, idx, PLEDGED)
    ix = np.ix_(rows, idx)
    s.expected_join[ix] = np.maximum(s.expected_join[ix], 0.5)
    return "pledge without MAP: stake rises, protection does not"


def map_granted(b, s, e, rows, step):
    _raise_ladder(s, rows, _idx(b, e.attr("targets")), MAP)
    return "membership action plan"


def association_agreement(b, s, e, rows, step):
    ix = np.ix_(rows, _idx(b, e.attr("targets")))
    s.eu_level[ix] = np.maximum(s.eu_level[ix], 1)
    s.alignment[ix] = np.minimum(1.0, s.alignment[ix] + 0.1)
    return "EU association"


def eu_accession(b, s, e, rows, step):
    s.eu_level[np.ix_(rows, _idx(b, e.attr("targets")))] = 2
    return "EU membership"


def operation(b, s, e, rows, step):
    delta = order.operation_effect(e.attr("run_by"), e.attr("un_mandate"), b.pr)[rows]
    if e.attr("regime_change"):
        delta = delta * 1.5  # regime change beyond (or without) a mandate: NATO as the order's enforcer
    s.function[rows] = np.minimum(1.0, np.maximum(0.05, s.function[rows] + delta))
    if e.attr("run_by") == "alliance":
        s.atrophy[rows] *= 0.8
    return [f"NATO function {d:+.3f} ({e.attr('run_by')}, UN mandate {e.attr('un_mandate')})" for d in delta]


def posture_change(b, s, e, rows, step):
    comp, change = e.attr("component"), e.attr("change")
    s.posture[rows, POSTURE_COMPONENTS.index(comp)] = POSTURE_LEVEL[change]
    total = 0
    for c, name in enumerate(POSTURE_COMPONENTS):
        total = total + POSTURE_OFFENSE[name] * s.posture[rows, c]
    s.offense_west[rows] = 1.0 + total
    weight = POSTURE_OFFENSE[comp]
    return [f"{comp} {change}: West offense {o:.2f} (weight {weight})" for o in s.offense_west[rows]]


def regime_change(b, s, e, rows, step):
    i = b.cw.index[e.attr("target")]
    if e.attr("democracy") is not None:
        s.democracy[rows, i] = e.attr("democracy")
    a = s.alignment[rows, i]
    if e.attr("direction") == "west":
        s.alignment[rows, i] = np.minimum(1.0, np.maximum(a, 0.0) + 0.4)
        s.regime_memory[rows, i] = 1.0
    else:
        s.alignment[rows, i] = np.maximum(-1.0, np.minimum(a, 0.0) - 0.3)
        s.regime_memory[rows, i] = 0.0
    return f"regime turns {e.attr('direction')}"


def statehood_change(b, s, e, rows, step):
    if e.attr("unilateral"):
        # a secession recognised by the West without the UN: NATO's order is the one that counts (Sushentsov & Wohlforth 2020)
        s.function[rows] = np.minimum(1.0, s.function[rows] + b.pr["operation_centrality"][rows])
        return "unilateral statehood recognised by the West"
    return "statehood change"


def common_threat(b, s, e, rows, step):
    s.common_threat[rows] = 1.0
    return "common threat"


def economic_shock(b, s, e, rows, step):
    """A marker: the shock acts through the scenario's GDP path (M1 fiscal capacity), which already
    contains it; applying ``gdp_change`` again would count it twice."""
    change = e.attr("gdp_change")
    return "GDP path shock" + (f" ({change:+.0%} in current US$)" if change is not None else "")


def sanctions(b, s, e, rows, step):
    i = b.cw.index[e.attr("target")]
    s.capacity[rows, i] = np.maximum(0.2, s.capacity[rows, i] * 0.9)
    return "sanctions: fiscal cost (capacity x 0.9)"


def suspend_cooperation(b, s, e, rows, step):
    inst = e.attr("institution")
    if any(a.id == inst for a in b.scenario.alliances):
        targets = e.attr("targets") or [b.cw.iso3[b.cw.rus]]
        s.members[np.ix_(rows, [_alliance(b, inst)], _idx(b, targets))] = False
    return f"{inst} suspended"


APPLY = {f.__name__: f for f in (enlargement_signal, invitation, accession, partnership_offer, institution_offer,
                                 membership_pledge, map_granted, association_agreement, eu_accession, operation,
                                 posture_change, regime_change, statehood_change, common_threat, economic_shock,
                                 sanctions, suspend_cooperation)}


def _alliance(b: Batch, alliance_id: str) -> int:
    return next(k for k, a in enumerate(b.scenario.alliances) if a.id == alliance_id)


def _queue_offer(s: State, e, rows, step):
    """Offers are decided by their targets one step later (generic lag, docs/theory.md §9)."""
    mask = np.zeros(len(s.function), dtype=bool)
    mask[rows] = True
    s.pending_offers.append((e, step, mask))


# --- firing ---------------------------------------------------------------------------------------

def fire_due(b: Batch, s: State, log, rec, k: int):
    """Fire the events due before step ``k``: scripted ones in every run, conditional ones in the runs whose
    condition held, in the order they were scheduled."""
    for e, mask in s.due.pop(k, []):
        apply_event(b, s, log, rec, e, k, mask)


def schedule_scripted(b: Batch, s: State):
    every = np.ones(b.R, dtype=bool)
    for step, evs in b.cw.events_by_step.items():
        s.due.setdefault(step, []).extend((e, every) for e in evs)


def apply_event(b: Batch, s: State, log, rec, e, step: int, mask):
    mask = mask.copy()
    if e.endogenous and e.kind in DECIDED_BY_VOTE:
        mask &= endogenous_decision(b, s, log, e, step, mask)
    rows = np.flatnonzero(mask)
    if not len(rows):
        return
    cause = APPLY[e.kind](b, s, e, rows, step)
    if e.kind in ("invitation", "membership_pledge", "map_granted") and not e.endogenous:
        score_decision(b, s, rec, e, step, rows)
    prefix = "conditional: " if e.requires else ""
    cause = prefix + cause if isinstance(cause, str) else [prefix + c for c in cause]
    log.add(rows, step, e.kind, e.attr("actor") or "", ",".join(e.targets()), True, cause, e.id)
    if e.requires is not None:
        s.condition_done[rows, b.cw.conditional.index(e)] = True


def member_votes(b: Batch, s: State, targets, level=MEMBER, leader=None):
    """M8: each NATO member's net value of admitting the targets to ladder ``level``, ``[R, N]`` (meaningful
    on members). The leader adds its type's motive (:func:`sim.mechanisms.alliance.leader_bonus`): the gain in
    NATO's centrality and in Russia's sphere loss that the decision brings. ``leader`` = (order_weight, greed)
    overrides the run's own leader type (``[R]`` arrays; used to score a decision under every type)."""
    cw, ps = b.cw, b.ps
    members = (s.ladder == MEMBER) & s.exists
    idx = _idx(b, targets)
    cap_members = np.where(members, s.capability, 0.0).sum(axis=1)
    added = s.capability[:, idx].sum(axis=1) / np.maximum(cap_members, 1e-9)
    gain = alliance.applicant_gain(added[:, None], cw.border_km[:, idx].sum(axis=1) > 0, ps)
    provocation = alliance.provocation_of(cw.in_sphere[idx], cw.importance[idx])
    exposure_m = np.clip(s.threat_from_russia, 0.0, 1.0)
    delta_c, delta_sphere = decision_deltas(b, s, idx, level)
    ow, greed = (b.west.order_weight, b.west.greed) if leader is None else leader
    bonus = np.zeros_like(s.capability)
    bonus[:, cw.usa] = alliance.leader_bonus(ow, greed, delta_c, delta_sphere, b.pr)
    votes = alliance.member_votes(gain, provocation, s.belief_about_russia, exposure_m, bonus, ps)
    return members, votes


def decision_deltas(b: Batch, s: State, idx, level):
    """What raising states ``idx`` to ladder ``level`` would change (``[R]`` each): NATO's centrality and
    Russia's sphere loss — the quantities an order revisionist and a greedy leader value (M8)."""
    cw = b.cw
    european = cw.european * s.exists
    ladder = s.ladder.copy()
    ladder[:, idx] = np.maximum(ladder[:, idx], level)
    func = order.function_from_voice(s.function, s.voice, b.pr)
    c_now = order.centrality(s.capability, s.ladder, european, func)
    c_new = order.centrality(s.capability, ladder, european, func)
    drift_now = security.western_drift(s.ladder, s.eu_level, s.alignment)
    drift_new = security.western_drift(ladder, s.eu_level, s.alignment)
    sph_now = security.sphere_loss(drift_now, cw.importance, cw.in_sphere, s.exists)
    sph_new = security.sphere_loss(drift_new, cw.importance, cw.in_sphere, s.exists)
    return c_new - c_now, sph_new - sph_now


def endogenous_decision(b, s, log, e, step, mask):
    members, votes = member_votes(b, s, e.targets())
    rule = next(a.rule for a in b.scenario.alliances if a.id == "NATO")
    decided, split = alliance.aggregate(votes, s.capability, rule, members)
    yes = ((votes > 0) & members).sum(axis=1)
    n = members.sum(axis=1)
    rows = np.flatnonzero(mask)
    causes = [f"M8 vote on {e.kind}: {yes[r]}/{n[r]} yes, rule {rule}" + (" (split)" if split[r] else "")
              + (" -> adopted" if decided[r] else " -> blocked") for r in rows]
    log.add(rows, step, "alliance_decision", "NATO", ",".join(e.targets()), False, causes, e.id)
    return decided


def score_decision(b, s, rec, e, step, rows):
    members, votes = member_votes(b, s, e.targets())
    ll = alliance.decision_loglik(votes, True, b.ps["vote_noise"], members=members)
    yes = ((votes > 0) & members).sum(axis=1)
    n = members.sum(axis=1)
    rec.add_decisions(rows, e.id, step, ll[rows], yes[rows], n[rows])


# --- offers (decided one step after they were made) ------------------------------------------------------

def decide_offers(b: Batch, s: State, log, k: int):
    cw, pr = b.cw, b.pr
    keep = []
    for e, made, mask in s.pending_offers:
        if made >= k:
            keep.append((e, made, mask))
            continue
        inst = e.attr("institution")
        spec = next((a for a in b.scenario.alliances if a.id == inst), None)
        voice = spec.voice if spec else 0.0
        consent = spec.requires_consent if spec else False
        ai = _alliance(b, inst) if spec else None
        for c in e.targets():
            i = cw.index[c]
            rows = np.flatnonzero(mask & s.exists[:, i])
            if not len(rows):
                continue
            if i == cw.rus:
                value = stance.acceptance_margin(voice, s.centrality, consent, s.russia_margin, s.russia_gain,
                                                 b.russia.order_weight, pr)
                value = value + pr["decision_noise"] * normal(b.seeds, cw.agent_keys[i], "accept:" + inst, k)
                ok = value >= 0
                # M4: the West reads Russia's answer by each type's acceptance rule on what it sees
                ow3, _ = type_motives(pr)
                col = {n: pr[n][:, None] for n in ("status_weight", "acceptance_stance_share", "consent_cost")}
                seen = stance.acceptance_margin(voice, s.centrality[:, None], consent, s.russia_seen_margin,
                                                s.russia_seen_gain[:, None], ow3, col)
                ll = beliefs.choice_loglik(seen, ok[:, None],
                                           beliefs.observer_noise(pr["decision_noise"], pr["private_uncertainty"])[:, None])
                s.russia_evidence[rows] += ll[rows]
                causes = [f"M5: value of {inst} seat {value[r]:+.2f} (voice {voice:.2f}, C {s.centrality[r]:.2f}, "
                          f"consent {'required' if consent else 'not required'}, stance margin "
                          f"{s.russia_margin[r]:+.2f})" for r in rows]
                log.add(rows, k, ["acceptance" if ok[r] else "refusal" for r in rows], c, inst, False, causes, e.id)
            else:
                ok = small_states.accepts_partnership(s.alignment[:, i], s.ladder[:, i] == MEMBER)
                yes = rows[ok[rows]]
                log.add(yes, k, "acceptance", c, inst, False,
                        [f"M7: alignment {s.alignment[r, i]:+.2f} > -0.5 joins {inst}" for r in yes], e.id)
            acc = rows[ok[rows]]
            if ai is not None:
                s.members[acc, ai, i] = True
            if inst == "PFP" and i != cw.rus:
                s.ladder[acc, i] = np.maximum(s.ladder[acc, i], PARTNER)
    s.pending_offers = keep


# --- conditional events -----------------------------------------------------------------------------

def check_conditions(b: Batch, s: State, k: int):
    """After step ``k``: schedule for step k+1 the conditional events whose condition now holds (after their
    delay and not before their date), each in the runs where it holds."""
    start, T = b.scenario.start, b.n_steps
    for c, e in enumerate(b.cw.conditional):
        open_ = ~s.condition_done[:, c]
        if not open_.any():
            continue
        if e.latest is not None and start + k + 1 > e.latest:
            continue
        holds = open_ & condition_holds(b, s, e.requires)
        if not holds.any():
            continue
        first = np.where(s.condition_first[:, c] == NEVER, k, s.condition_first[:, c])
        s.condition_first[:, c] = np.where(holds, first, s.condition_first[:, c])
        fire_step = np.maximum(np.maximum(first + 1 + e.delay, e.date - start), k + 1)
        now = holds & (fire_step == k + 1)
        if now.any() and k + 1 < T:
            s.condition_done[now, c] = True
            s.due.setdefault(k + 1, []).append((e, now))


def condition_holds(b: Batch, s: State, c) -> np.ndarray:
    """Does a condition hold in each run (``[R]`` bool)? Reads only the run's own history."""
    cw = b.cw
    if c.kind == "all":
        return np.logical_and.reduce([condition_holds(b, s, x) for x in c.children])
    if c.kind == "any":
        return np.logical_or.reduce([condition_holds(b, s, x) for x in c.children])
    if c.kind == "applied":
        return s.applied[:, _idx(b, c.states)].all(axis=1)
    if c.kind == "stance":
        return s.stance[:, cw.index[c.by]] == (1 if c.states[0] == "cooperate" else 0)
    if c.by != cw.iso3[cw.rus]:
        return np.zeros(b.R, dtype=bool)  # only Russia's coercion and force are modelled
    last = s.last_force_against if c.kind == "force_used" else s.last_coercion_of
    since = (c.since - b.scenario.start) if c.since is not None else -1
    cols = _idx(b, c.against) if c.against else slice(None)
    return (last[:, cols] >= since).any(axis=1)
