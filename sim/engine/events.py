"""Scripted events, response rules and NATO's votes as masked updates over the runs of a batch (the engine).

Every event fires in the runs of a mask: a scripted event in every run (unless it is an endogenous
decision that NATO's M8 vote blocks in some runs), a conditional event in the runs whose own history meets
its condition. Effects come from the event's kind and attributes and the actors' state, with a named
parameter of ``sim/params.py`` ("scenario effects") wherever a number is needed — never from a magnitude set
per event (docs/theory.md §3). Offers are *queued*: the targets decide with a one-step lag by their own
rules (M5, M7) — Russia's acceptances are emergent. Each effect returns the ``cause`` text of the event log,
one string for every run or one per run.

Three things are generated in the run rather than scripted:

- **responses** — the scenario's response rules (``responses:``) answer a Russian use of force or coercion
  in the run, by the kind of act and the target's tie to NATO, after the rule's lag; never by date or by a
  named target (docs/scenario-format.md);
- **NATO's votes on applications** — a state that applies (M7, emergent) and whose accession the scenario
  does not script is voted on by NATO's members (M8) ``application_review_quarters`` after it applied (and
  again as long as its application stays open); an invitation they adopt is followed by accession
  ``ratification_quarters`` later;
- **the evidence of the West's acts** — every NATO decision on the ladder, taken or withheld, scripted or
  voted, is scored under the M8 vote rule of each leader type (S, R, G), and every other Western act by the
  change in NATO's centrality and Russia's sphere loss it brought (:func:`sim.mechanisms.beliefs.west_act_loglik`);
  both are added to ``s.west_evidence``, which Russia's beliefs read (M4).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from sim.engine.state import NEVER, POSTURE_COMPONENTS, Batch, State
from sim.mechanisms import alliance, beliefs, order, security, small_states, stance
from sim.mechanisms.randomness import normal, uniform
from sim.mechanisms.security import ASPIRANT, INVITED, LADDER_NAMES, MAP, MEMBER, PARTNER, PLEDGED
from sim.scenario.schema import EventSpec, MappingProxyType
from sim.worlds import type_motives

# The ladder level each NATO decision brings its targets to (docs/theory.md §9, "stakes against protection").
DECISION_LEVEL = {"invitation": INVITED, "accession": MEMBER, "membership_pledge": PLEDGED, "map_granted": MAP}
OFFERS = ("partnership_offer", "institution_offer")
# Posture levels by change: definitions (a deployment or a withdrawal from a treaty is the full step, a
# cancellation none of it); a plan counts ``posture_plan_level`` of a deployment.
POSTURE_LEVEL = {"deploy": 1.0, "cancel": 0.0, "withdraw": 1.0}
REVIEW = "application_review"      # id prefix of NATO's votes on emergent applications
RATIFIED = "accession_after_vote"  # id prefix of the accessions that follow an invitation NATO voted


#: how the event log's cause marks the act of a response rule (a Western act, logged as scripted, that happens
#: only in the runs where Russia acted): the reports tell these from the scenario's events by it
RESPONSE_PREFIX = "response: "


def _idx(b: Batch, names) -> list[int]:
    return [b.cw.index[c] for c in names]


def _raise_ladder(s: State, rows, idx, level):
    sub = s.ladder[np.ix_(rows, idx)]
    s.ladder[np.ix_(rows, idx)] = np.maximum(sub, level)


# --- the effects, by kind ---------------------------------------------------------------------------

def enlargement_signal(b, s, e, rows, step):
    cred = np.broadcast_to(order.signal_credibility(e.attr("stage"), b.pr), (b.R,))[rows]
    idx = _idx(b, e.attr("candidates"))
    ix = np.ix_(rows, idx)
    s.expected_join[ix] = np.maximum(s.expected_join[ix], cred[:, None])
    _raise_ladder(s, rows, idx, ASPIRANT)
    names = ", ".join(e.attr("candidates"))
    return [f"expected accession of {names} at credibility {c:.2f}" for c in cred]


def invitation(b, s, e, rows, step):
    idx = _idx(b, e.attr("targets"))
    _raise_ladder(s, rows, idx, INVITED)
    ix = np.ix_(rows, idx)
    s.expected_join[ix] = np.maximum(s.expected_join[ix], b.pr["invitation_expected_join"][rows, None])
    return "targets invited"


def accession(b, s, e, rows, step):
    actor, idx = e.attr("actor"), _idx(b, e.attr("targets"))
    if actor == "NATO":
        _raise_ladder(s, rows, idx, MEMBER)
    elif actor == "CSTO":
        s.csto[np.ix_(rows, idx)] = True
    elif actor == "EU":
        s.eu_level[np.ix_(rows, idx)] = 2
    else:
        s.members[np.ix_(rows, [_alliance(b, actor)], idx)] = True
    return f"{actor} membership"


def partnership_offer(b, s, e, rows, step):
    """An offer only: NATO's coverage (and so its centrality) moves when the targets accept (a partner
    counts in the ``coverage`` table), never by the offer itself."""
    _queue_offer(s, e, rows, step)
    return f"offer of {e.attr('institution')} queued for decision"


def institution_offer(b, s, e, rows, step):
    _queue_offer(s, e, rows, step)
    return f"offer of {e.attr('institution')} queued for decision"


def membership_pledge(b, s, e, rows, step):
    idx = _idx(b, e.attr("targets"))
    _raise_ladder(s, rows, idx, PLEDGED)
    ix = np.ix_(rows, idx)
    s.expected_join[ix] = np.maximum(s.expected_join[ix], b.pr["pledge_expected_join"][rows, None])
    return "pledge without MAP: stake rises, protection does not"


def map_granted(b, s, e, rows, step):
    _raise_ladder(s, rows, _idx(b, e.attr("targets")), MAP)
    return "membership action plan"


def association_agreement(b, s, e, rows, step):
    ix = np.ix_(rows, _idx(b, e.attr("targets")))
    s.eu_level[ix] = np.maximum(s.eu_level[ix], 1)
    s.alignment[ix] = np.minimum(1.0, s.alignment[ix] + b.pr["association_alignment"][rows, None])
    return "EU association"


def eu_accession(b, s, e, rows, step):
    s.eu_level[np.ix_(rows, _idx(b, e.attr("targets")))] = 2
    return "EU membership"


def operation(b, s, e, rows, step):
    """NATO's governing function moves by the operation's attributes: who ran it (``run_by``), whether the
    UN mandated it (``no_mandate_factor``), and whether it changed a regime (``regime_change_operation_factor``)."""
    pr = b.pr
    delta = np.broadcast_to(order.operation_effect(e.attr("run_by"), e.attr("un_mandate"), pr), (b.R,))[rows]
    if e.attr("regime_change"):
        delta = delta * (1.0 + pr["regime_change_operation_factor"][rows])
    s.function[rows] = np.minimum(1.0, np.maximum(pr["function_floor"][rows], s.function[rows] + delta))
    return [f"NATO function {d:+.3f} ({e.attr('run_by')}, UN mandate {e.attr('un_mandate')}, "
            f"regime change {e.attr('regime_change')})" for d in delta]


def posture_change(b, s, e, rows, step):
    pr = b.pr
    comp, change = e.attr("component"), e.attr("change")
    level = pr["posture_plan_level"][rows] if change == "plan" else POSTURE_LEVEL[change]
    s.posture[rows, POSTURE_COMPONENTS.index(comp)] = level
    total = 0.0
    for c, name in enumerate(POSTURE_COMPONENTS):
        total = total + pr[f"posture_offense_{name}"][rows] * s.posture[rows, c]
    s.offense_west[rows] = 1.0 + total
    weight = pr[f"posture_offense_{comp}"][rows]
    return [f"{comp} {change}: West offense {o:.2f} (weight {w:.2f})" for o, w in zip(s.offense_west[rows], weight)]


def regime_change(b, s, e, rows, step):
    """A domestic regime change: its size is the change in the democracy level it brings, as a share of a
    full regime change (``regime_change_scale``), its direction the event's. Alignment moves by
    ``regime_alignment_shift`` × size toward that side; a westward change leaves Russia a regime memory of
    that size (its regime threat, M3), an eastward one erases that share of the memory. A regime change with
    no new democracy level is a marker without effect."""
    pr = b.pr
    i = b.cw.index[e.attr("target")]
    now = s.democracy[rows, i]
    new = now if e.attr("democracy") is None else np.full(len(rows), float(e.attr("democracy")))
    size = np.clip(np.abs(new - now) / pr["regime_change_scale"][rows], 0.0, 1.0)
    s.democracy[rows, i] = new
    shift = pr["regime_alignment_shift"][rows] * size
    a, memory = s.alignment[rows, i], s.regime_memory[rows, i]
    if e.attr("direction") == "west":
        s.alignment[rows, i] = np.minimum(1.0, a + shift)
        s.regime_memory[rows, i] = np.maximum(memory, size)
    else:
        s.alignment[rows, i] = np.maximum(-1.0, a - shift)
        s.regime_memory[rows, i] = memory * (1.0 - size)
    return [f"regime turns {e.attr('direction')}: democracy {d0:.2f} -> {d1:.2f}, size {z:.2f}, alignment "
            f"{sh:+.2f}" for d0, d1, z, sh in zip(now, new, size, shift if e.attr("direction") == "west" else -shift)]


def statehood_change(b, s, e, rows, step):
    if e.attr("unilateral"):
        # a secession recognised by the West without the UN: NATO's order is the one that counts (Sushentsov & Wohlforth 2020)
        s.function[rows] = np.minimum(1.0, s.function[rows] + b.pr["recognition_centrality"][rows])
        return "unilateral statehood recognised by the West"
    return "statehood change"


def common_threat(b, s, e, rows, step):
    """A threat both sides share (9/11): it acts through the threat and insecurity terms of M2/M3 (the engine
    reads ``common_threat``), not as a bonus on cooperation margins."""
    s.common_threat[rows] = 1.0
    return "common threat"


def economic_shock(b, s, e, rows, step):
    """A marker: the shock acts through the scenario's GDP path (M1 fiscal capacity), which already
    contains it; applying ``gdp_change`` again would count it twice."""
    change = e.attr("gdp_change")
    return "GDP path shock" + (f" ({change:+.0%} in current US$)" if change is not None else "")


def sanctions(b, s, e, rows, step):
    """The target is under the actor's sanctions (``s.sanctions``, ``[R, N]``): what they cost is the
    economy's (M1), not a factor set here."""
    field = getattr(s, "sanctions", None)
    if field is None:
        return "sanctions (no sanctions field in this engine: no effect)"
    field[rows, b.cw.index[e.attr("target")]] = 1.0
    return f"sanctions by {e.attr('actor')}"


def suspend_cooperation(b, s, e, rows, step):
    """Seats withdrawn. A response rule's suspension with ``resume_after`` offers the seat again that many
    quarters later, in the runs where a seat was withdrawn (NATO, 5 Mar 2009: the NRC resumed)."""
    inst = e.attr("institution")
    if not any(a.id == inst for a in b.scenario.alliances):
        return f"{inst} suspended"
    ai = _alliance(b, inst)
    targets = e.attr("targets") or (b.cw.iso3[b.cw.rus],)
    idx = _idx(b, targets)
    held = s.members[np.ix_(rows, [ai], idx)].reshape(len(rows), len(idx)).any(axis=1)
    s.members[np.ix_(rows, [ai], idx)] = False
    resume = e.attr("_resume_after")
    if resume and held.any() and step + resume < b.n_steps:
        offer = EventSpec(id=f"{e.id}:resumed", date=b.scenario.start + step + resume, kind="institution_offer",
                          attrs=MappingProxyType({"actor": e.attr("actor"), "institution": inst,
                                                  "targets": tuple(targets)}),
                          source=e.source, origin=e.origin)
        s.due.setdefault(step + resume, []).append((offer, _mask(b, rows[held])))
        return [f"{inst} suspended" + (f"; seat offered again in {resume} quarters" if h else "") for h in held]
    return f"{inst} suspended"


APPLY = {f.__name__: f for f in (enlargement_signal, invitation, accession, partnership_offer, institution_offer,
                                 membership_pledge, map_granted, association_agreement, eu_accession, operation,
                                 posture_change, regime_change, statehood_change, common_threat, economic_shock,
                                 sanctions, suspend_cooperation)}


def _alliance(b: Batch, alliance_id: str) -> int:
    return next(k for k, a in enumerate(b.scenario.alliances) if a.id == alliance_id)


def _mask(b: Batch, rows) -> np.ndarray:
    mask = np.zeros(b.R, dtype=bool)
    mask[rows] = True
    return mask


def _queue_offer(s: State, e, rows, step):
    """Offers are decided by their targets one step later (generic lag, docs/theory.md §9)."""
    mask = np.zeros(len(s.function), dtype=bool)
    mask[rows] = True
    s.pending_offers.append((e, step, mask))


# --- what the West's acts do to the order and to Russia's sphere (the evidence Russia reads, M4) ---------

def _tables(b: Batch):
    return getattr(b, "tables", None) or None


def russia_voice(b: Batch, members):
    """Russia's voice in joint institutions (``[R]``): 1 − Π (1 − voice) over the institutions with voice in
    which it holds a seat (``members`` ``[R, A, N]``)."""
    rus = b.cw.rus
    vprod = np.ones(members.shape[0])
    for ai, a in enumerate(b.scenario.alliances):
        if a.voice > 0:
            vprod = np.where(members[:, ai, rus], vprod * (1.0 - a.voice), vprod)
    return 1.0 - vprod


def order_and_sphere(b: Batch, s: State, ladder=None, members=None):
    """NATO's centrality C and Russia's sphere loss (``[R]`` each) as the engine perceives them (docs/theory.md
    §3, M3), from the current seats (or ``members``) and ladder (or ``ladder``)."""
    cw, pr = b.cw, b.pr
    ladder = s.ladder if ladder is None else ladder
    members = s.members if members is None else members
    tables = _tables(b)
    importance = getattr(b, "importance", None)
    importance = cw.importance if importance is None else importance
    european = cw.european * s.exists
    func = order.function_from_voice(s.function, russia_voice(b, members), pr)
    c = order.centrality(s.capability, ladder, european, func, tables)
    drift = security.western_drift(ladder, s.eu_level, s.alignment, tables, b.ps)
    return c, security.sphere_loss(drift, importance, cw.in_sphere, s.exists)


def offer_if_accepted(b: Batch, s: State, e):
    """The seats and ladder if every target of an offer accepted it — what the offer puts on the table, which
    is what it costs or gains the West's order (M4: an offer's evidence is read when it is made, Kydd 2000)."""
    ladder, members = s.ladder.copy(), s.members.copy()
    inst = e.attr("institution")
    spec = next((a for a in b.scenario.alliances if a.id == inst), None)
    idx = [b.cw.index[c] for c in e.targets() if c in b.cw.index]
    if spec is not None:
        members[:, _alliance(b, inst), idx] = True
    if inst == "PFP":
        others = [i for i in idx if i != b.cw.rus]
        ladder[:, others] = np.maximum(ladder[:, others], PARTNER)
    return ladder, members


def western_act(b: Batch, s: State, e, rows) -> np.ndarray:
    """The rows (of ``rows``) where ``e`` is an act of the West: by NATO, by an alliance or union that Russia
    is not part of and whose leader (if any) is the West's leader, by a state that is a NATO member in that
    run, or the West's recognition of a unilateral secession."""
    if e.kind == "statehood_change":
        return rows if e.attr("unilateral") else rows[:0]
    actor = e.attr("actor")
    if actor is None:
        return rows[:0]
    spec = next((a for a in b.scenario.alliances if a.id == actor), None)
    if spec is not None:
        rus, usa = b.cw.iso3[b.cw.rus], b.cw.iso3[b.cw.usa]
        west = actor == "NATO" or (rus not in spec.members and spec.leader in (None, usa) and spec.kind != "institution")
        return rows if west else rows[:0]
    i = b.cw.index[actor]
    return rows[s.ladder[rows, i] == MEMBER]


def _add_west_evidence(s: State, rows, loglik):
    ev = getattr(s, "west_evidence", None)
    if ev is not None and len(rows):
        ev[rows] += loglik


# --- NATO's decisions (M8): voted, scored, taken or withheld --------------------------------------------

def member_votes(b: Batch, s: State, targets, level=INVITED):
    """M8 for a decision raising ``targets`` to ``level``: ``(members, base, delta_c, delta_sphere)`` —
    which states vote ``[R, N]``, each member's net value of the decision before the leader's type bonus
    ``[R, N]``, and the gain in NATO's centrality and in Russia's sphere loss the decision would bring
    ``[R]`` (what the leader's type values, :func:`sim.mechanisms.alliance.leader_bonus`)."""
    cw, ps = b.cw, b.ps
    members = (s.ladder == MEMBER) & s.exists
    idx = _idx(b, targets)
    cap_members = np.where(members, s.capability, 0.0).sum(axis=1)
    added = s.capability[:, idx].sum(axis=1) / np.maximum(cap_members, 1e-9)
    gain = alliance.applicant_gain(added[:, None], cw.border_km[:, idx].sum(axis=1) > 0, ps)
    importance = getattr(b, "importance", None)
    imp = (cw.importance if importance is None else importance)[..., idx]
    provocation = alliance.provocation_of(cw.in_sphere[idx], imp)
    provocation = np.asarray(provocation)[:, None] if np.ndim(provocation) == 1 else provocation
    exposure_m = np.clip(s.threat_from_russia, 0.0, 1.0)
    base = alliance.member_votes(gain, provocation, s.belief_about_russia, exposure_m, 0.0, ps)
    raised = s.ladder.copy()
    raised[:, idx] = np.maximum(raised[:, idx], level)
    c0, sp0 = order_and_sphere(b, s)
    c1, sp1 = order_and_sphere(b, s, raised)
    return members, base, c1 - c0, sp1 - sp0


def _with_leader(b: Batch, base, bonus):
    """Members' margins with the leader's type: the leader values the decision by its full bonus and, by its
    leadership of the alliance (agenda, side payments), moves every member by ``leader_influence`` of it —
    under consensus the leader's type can matter only so (M8; docs/model.md)."""
    votes = base + (b.pr["leader_influence"] * bonus)[:, None]
    votes[:, b.cw.usa] += (1.0 - b.pr["leader_influence"]) * bonus
    return votes


_SUBSET_FIELDS = ("ladder", "exists", "capability", "function", "voice", "members", "eu_level", "alignment",
                  "belief_about_russia", "threat_from_russia")


class _LazyRows(dict):
    """A parameter dict restricted to some runs, each parameter sliced when first read (of ~150, a vote reads
    a handful)."""

    def __init__(self, src: dict, rows):
        super().__init__()
        self._src, self._rows = src, rows

    def __missing__(self, key):
        value = self[key] = self._src[key][self._rows]
        return value


def _subset(b: Batch, s: State, rows):
    """The batch and state restricted to ``rows`` (read-only views for M8's scoring), so that a vote held in a
    few runs — NATO's review of an emergent application — costs in proportion to those runs."""
    from types import SimpleNamespace

    def cut(x):
        x = np.asarray(x)
        return x[rows] if x.ndim and x.shape[0] == b.R else x

    tables = {k: cut(v) if np.ndim(v) == 2 else v for k, v in (_tables(b) or {}).items()} or None
    bs = SimpleNamespace(cw=b.cw, R=len(rows), pr=_LazyRows(b.pr, rows), ps=_LazyRows(b.ps, rows), tables=tables,
                         importance=cut(getattr(b, "importance", b.cw.importance)), scenario=b.scenario,
                         seeds=b.seeds[rows])
    ss = SimpleNamespace(**{f: cut(getattr(s, f)) for f in _SUBSET_FIELDS})
    return bs, ss


def nato_decision(b: Batch, state: State, log, rec, e, step: int, rows) -> np.ndarray:
    """A NATO decision on the ladder in the runs ``rows``: decided by the members' vote if ``e`` is endogenous
    (an ``alliance_decision`` row in the log), else as the record has it (taken, or withheld). Either way it
    is scored: its log-likelihood under the vote rule of the run's own world and of each leader type (S, R,
    G) goes to the decision log, and the per-type log-likelihoods to ``s.west_evidence``. Returns ``[R]``
    bool: taken."""
    full_R, ow_own, greed_own = b.R, b.west.order_weight[rows], b.west.greed[rows]
    b, s = _subset(b, state, rows)  # everything below is over the runs ``rows`` only
    pr = b.pr
    members, base, dc, dsph = member_votes(b, s, e.targets(), DECISION_LEVEL[e.kind])
    own = _with_leader(b, base, alliance.leader_bonus(ow_own, greed_own, dc, dsph, pr))
    yes = ((own > 0) & members).sum(axis=1)
    n = members.sum(axis=1)
    rule = next(a.rule for a in b.scenario.alliances if a.id == "NATO")
    if e.endogenous:
        # one common logistic shock per run (scale vote_noise) moves every member alike: a decision is as
        # likely in the run as :func:`sim.mechanisms.alliance.decision_loglik` says
        u = np.clip(uniform(b.seeds, b.cw.agent_keys[b.cw.usa], "vote:" + e.id, step), 1e-12, 1.0 - 1e-12)
        noisy = own + (pr["vote_noise"] * np.log(u / (1.0 - u)))[:, None]
        yes = ((noisy > 0) & members).sum(axis=1)
        taken, split = alliance.aggregate(noisy, s.capability, rule, members)
        log.add(rows, step, "alliance_decision", "NATO", ",".join(e.targets()), False,
                [f"M8 vote on {e.kind}: {yes[i]}/{n[i]} yes, rule {rule}" + (" (split)" if split[i] else "")
                 + (" -> adopted" if taken[i] else " -> blocked") for i in range(len(rows))], e.id)
    else:
        taken = np.full(len(rows), not e.withheld)
    noise = pr["vote_noise"]
    ll_own = alliance.decision_loglik(own, taken, noise, members, s.capability, rule)
    ow, greed = type_motives(pr)
    ll = np.stack([alliance.decision_loglik(_with_leader(b, base, alliance.leader_bonus(ow[:, t], greed[:, t], dc,
                                                                                         dsph, pr)),
                                            taken, noise, members, s.capability, rule)
                   for t in range(ow.shape[-1])], axis=-1)
    scripted = not (e.endogenous or e.origin.startswith("M8"))
    rec.add_decisions(rows, e.id, e.kind, step, taken, scripted, ll_own, ll, yes, n)
    _add_west_evidence(state, rows, ll)
    out = np.zeros(full_R, dtype=bool)
    out[rows] = taken
    return out


# --- firing ---------------------------------------------------------------------------------------

def fire_due(b: Batch, s: State, log, rec, k: int):
    """Fire the events due before step ``k`` — scripted ones in every run; conditional ones, responses and
    NATO's votes on applications in the runs where they were scheduled — in the order they were scheduled."""
    for e, mask in s.due.pop(k, []):
        apply_event(b, s, log, rec, e, k, mask)


def schedule_scripted(b: Batch, s: State):
    every = np.ones(b.R, dtype=bool)
    for step, evs in b.cw.events_by_step.items():
        s.due.setdefault(step, []).extend((e, every) for e in evs)


def apply_event(b: Batch, s: State, log, rec, e, step: int, mask):
    rows = np.flatnonzero(mask)
    if e.origin.startswith("M8"):  # NATO takes up no decision on a state the CSTO binds (an invitation pending
        # when it joined the CSTO lapses; switch csto_exclusive, off by default)
        bound = small_states.bound_by_csto(s.csto, b.ps)[:, _idx(b, e.targets())].any(axis=1)
        rows = rows[~bound[rows]]
    if not len(rows):
        return
    if e.kind in DECISION_LEVEL and e.attr("actor") == "NATO":
        taken = nato_decision(b, s, log, rec, e, step, rows)
        if e.withheld and not e.endogenous:
            what = {"invitation": "no invitation", "accession": "no accession", "map_granted": "no MAP",
                    "membership_pledge": "no pledge"}[e.kind]
            log.add(rows, step, "decision_withheld", "NATO", ",".join(e.targets()), True,
                    f"withheld: {what} (scored under the M8 vote rule; no effect)", e.id)
            return
        rows = rows[taken[rows]]
        if not len(rows):
            return
        west = rows[:0]  # a decision's evidence is its vote likelihood (above)
    else:
        west = western_act(b, s, e, rows)
    if len(west):
        c0, sp0 = order_and_sphere(b, s)
    cause = APPLY[e.kind](b, s, e, rows, step)
    if len(west):
        c1, sp1 = order_and_sphere(b, s, *(offer_if_accepted(b, s, e) if e.kind in OFFERS else (None, None)))
        ll = np.asarray(beliefs.west_act_loglik(c1 - c0, sp1 - sp0, b.pr))
        _add_west_evidence(s, west, ll[west])
    prefix = "conditional: " if e.requires else (RESPONSE_PREFIX if e.origin.startswith("rule") else "")
    cause = prefix + cause if isinstance(cause, str) else [prefix + c for c in cause]
    log.add(rows, step, e.kind, e.attr("actor") or "", ",".join(e.targets()), not e.origin.startswith("M8"),
            cause, e.id)
    if e.requires is not None:
        s.condition_done[rows, b.cw.conditional.index(e)] = True
    if e.origin.startswith(f"M8 {REVIEW}"):
        _schedule_accession(b, s, e, rows, step)


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
                causes = [f"M5: value of {inst} seat {value[r]:+.2f} (voice {voice:.2f}, C {s.centrality[r]:.2f}, "
                          f"consent {'required' if consent else 'not required'}, stance margin "
                          f"{s.russia_margin[r]:+.2f})" for r in rows]
                log.add(rows, k, ["acceptance" if ok[r] else "refusal" for r in rows], c, inst, False, causes, e.id)
                _read_russias_answer(b, s, rows, ok, voice, consent)
            else:
                ok = small_states.accepts_partnership(s.alignment[:, i], s.ladder[:, i] == MEMBER, pr)
                yes = rows[ok[rows]]
                log.add(yes, k, "acceptance", c, inst, False,
                        [f"M7: alignment {s.alignment[r, i]:+.2f} > {pr['partnership_refusal_alignment'][r]:+.2f} "
                         f"joins {inst}" for r in yes], e.id)
            acc = rows[ok[rows]]
            if ai is not None:
                s.members[acc, ai, i] = True
            if inst == "PFP" and i != cw.rus:
                s.ladder[acc, i] = np.maximum(s.ladder[acc, i], PARTNER)
    s.pending_offers = keep


def _read_russias_answer(b: Batch, s: State, rows, accepted, voice: float, consent: bool):
    """M4: observers read Russia's answer to an offer as an act of Russia's — its likelihood under each type's
    acceptance rule (:func:`sim.mechanisms.stance.acceptance_margin`) applied to what they see (Russia's stance
    margin and order gain as observers see them, ``s.russia_seen_margin``, ``s.russia_seen_gain``), with the
    noise an observer allows (``beliefs.observer_noise``), goes to ``s.russia_evidence``; never to the evidence
    about the West."""
    ev = getattr(s, "russia_evidence", None)
    if ev is None:
        return
    ow3, _ = type_motives(b.pr)
    seen = stance.acceptance_margin(voice, s.centrality[:, None], consent, s.russia_seen_margin,
                                    s.russia_seen_gain[:, None], ow3, b.ps)
    sd = beliefs.observer_noise(b.pr["decision_noise"], b.pr["private_uncertainty"])[:, None]
    ll = beliefs.choice_loglik(seen, np.asarray(accepted, dtype=bool)[:, None], sd)
    ev[rows] += ll[rows]


# --- after each step: conditional events, responses, NATO's votes on applications ------------------------

def check_conditions(b: Batch, s: State, k: int):
    """After step ``k``: schedule the conditional events whose condition now holds (after their delay and
    not before their date), the responses to Russia's acts of this step (:func:`check_responses`) and NATO's
    votes on open applications (:func:`review_applications`), each in the runs where it applies."""
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
    check_responses(b, s, k)
    review_applications(b, s, k)


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


def _pending(s: State, R: int, test) -> np.ndarray:
    """``[R]`` bool: the runs in which an event for which ``test(event)`` holds is due at a later step."""
    out = np.zeros(R, dtype=bool)
    for entries in s.due.values():
        for e, mask in entries:
            if test(e):
                out |= mask
    return out


def check_responses(b: Batch, s: State, k: int):
    """The scenario's response rules answer the Russian acts of step ``k``: for a rule whose act (force or
    coercion) Russia took this step against a target whose tie to NATO is in the rule's ``tie`` (and whose
    place in Russia's sphere matches ``in_sphere``), the rule's response is scheduled ``lag`` quarters
    later, in those runs — unless an answer of the same rule is already due there. Roles become states:
    ``by`` is Russia, ``against`` the act's target."""
    rules = b.scenario.responses
    if not rules:
        return
    cw, T = b.cw, b.n_steps
    acts = {"force": s.last_force_against == k, "coercion": s.last_coercion_of == k}
    for rule in rules:
        if k + rule.lag >= T:
            continue
        hit = acts[rule.act] & s.exists
        if rule.tie:
            hit &= np.isin(s.ladder, [LADDER_NAMES.index(t) for t in rule.tie])
        if rule.in_sphere is not None:
            hit &= (cw.in_sphere > 0) == rule.in_sphere
        if not hit.any():
            continue
        busy = _pending(s, b.R, lambda e: e.id == rule.id and e.origin.startswith("rule"))
        for j in np.flatnonzero(hit.any(axis=0)):
            rows = hit[:, j] & ~busy
            if not rows.any():
                continue
            busy |= rows
            s.due.setdefault(k + rule.lag, []).append((_response_event(b, rule, j, k + rule.lag), rows))


def _response_event(b: Batch, rule, target: int, step: int) -> EventSpec:
    cw = b.cw
    role = {"by": cw.iso3[cw.rus], "against": cw.iso3[target]}
    attrs = {}
    for key, val in rule.attrs.items():
        if isinstance(val, tuple):
            attrs[key] = tuple(role.get(v, v) for v in val)
        else:
            attrs[key] = role.get(val, val) if isinstance(val, str) and val in role else val
    if rule.resume_after:
        attrs["_resume_after"] = rule.resume_after
    return EventSpec(id=rule.id, date=b.scenario.start + step, kind=rule.kind, attrs=MappingProxyType(attrs),
                     source=rule.source, origin=f"rule {rule.origin}")


@lru_cache(maxsize=32)
def scripted_nato_states(scenario) -> tuple[str, ...]:
    """States whose path on NATO's ladder the scenario scripts: an invitation or accession taken, or any ladder
    decision the record holds, taken or withheld (Bucharest's refused MAPs for Ukraine and Georgia are NATO's
    recorded answer to them; the replay keeps it instead of voting again). Applications of other states go to
    NATO's M8 vote."""
    return tuple(sorted({t for e in scenario.events if e.kind in DECISION_LEVEL and e.attr("actor") == "NATO"
                         and not e.endogenous for t in e.targets()}))


def review_applications(b: Batch, s: State, k: int):
    """NATO votes (M8) on the open applications whose accession the scenario does not script:
    ``application_review_quarters`` after the application or after NATO's last refusal. A NATO whose
    ``open_door`` is 0 takes up no application."""
    nato = next(a for a in b.scenario.alliances if a.id == "NATO")
    if nato.open_door <= 0:
        return
    cw, T = b.cw, b.n_steps
    open_ = s.applied & s.exists & (s.ladder < INVITED) & ~small_states.bound_by_csto(s.csto, b.ps)
    open_[:, cw.rus] = False
    scripted = scripted_nato_states(b.scenario)
    if scripted:
        open_[:, _idx(b, scripted)] = False
    if not open_.any():
        return
    lag = np.maximum(1, np.rint(b.pr["application_review_quarters"]).astype(np.int64))
    for j in np.flatnonzero(open_.any(axis=0)):
        iso = cw.iso3[j]
        busy = _pending(s, b.R, lambda e: e.origin.startswith("M8") and e.targets() == (iso,))
        rows = np.flatnonzero(open_[:, j] & ~busy)
        for q in np.unique(lag[rows]):
            step = k + int(q)
            if step >= T:
                continue
            e = EventSpec(id=f"{REVIEW}:{iso}", date=b.scenario.start + step, kind="invitation",
                          attrs=MappingProxyType({"actor": "NATO", "targets": (iso,)}),
                          source="M8: NATO's members vote on an open application (docs/theory.md §4 (M8))",
                          endogenous=True, origin=f"M8 {REVIEW}")
            s.due.setdefault(step, []).append((e, _mask(b, rows[lag[rows] == q])))


def _schedule_accession(b: Batch, s: State, e, rows, step: int):
    """An invitation NATO's vote adopted is followed by accession ``ratification_quarters`` later."""
    lag = np.maximum(1, np.rint(b.pr["ratification_quarters"][rows]).astype(np.int64))
    for q in np.unique(lag):
        at = step + int(q)
        if at >= b.n_steps:
            continue
        acc = EventSpec(id=f"{RATIFIED}:{','.join(e.targets())}", date=b.scenario.start + at, kind="accession",
                        attrs=MappingProxyType({"actor": "NATO", "targets": e.targets()}),
                        source="M8: accession after an invitation NATO's members voted", origin=f"M8 {RATIFIED}")
        s.due.setdefault(at, []).append((acc, _mask(b, rows[lag == q])))
