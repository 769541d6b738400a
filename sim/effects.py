"""What each kind of scripted event does to the world (layer 3).

Effects come from the event's kind and attributes and the actors' state, never from a magnitude set per
event (THEORY §3). Offers are *queued*: the targets decide with a one-step lag by their own rules (M5,
M7) — Russia's acceptances are emergent. Each function returns a short ``cause`` text for the event log.
"""

from __future__ import annotations

from sim.mechanisms import order
from sim.mechanisms.security import ASPIRANT, INVITED, MAP, MEMBER, PARTNER, PLEDGED

# Offense posture of the West as Russia perceives it (world data; docs/model.md): missile-defence sites
# and forward presence raise NATO's offense term in M2; the ABM treaty's end removes a restraint.
POSTURE_OFFENSE = {"missile_defence": 0.25, "forward_presence": 0.25, "abm_treaty": 0.1}


def _raise_ladder(m, targets, level):
    for c in targets:
        i = m.cw.index[c]
        if m.world.ladder[i] < level:
            m.world.ladder[i] = level


def enlargement_signal(m, e):
    cred = m.p["signal_credibility"] * order.STAGE_CREDIBILITY[e.attr("stage")]
    for c in e.attr("candidates"):
        i = m.cw.index[c]
        m.world.expected_join[i] = max(m.world.expected_join[i], cred)
    _raise_ladder(m, e.attr("candidates"), ASPIRANT)
    m.world.atrophy *= 0.8  # NATO announces a future: Russia's expectation that it will atrophy fades (seed 000)
    return f"expected accession of {', '.join(e.attr('candidates'))} at credibility {cred:.2f}"


def invitation(m, e):
    _raise_ladder(m, e.attr("targets"), INVITED)
    for c in e.attr("targets"):
        m.world.expected_join[m.cw.index[c]] = 1.0
    return "targets invited"


def accession(m, e):
    if e.attr("actor") == "NATO":
        _raise_ladder(m, e.attr("targets"), MEMBER)
        m.world.atrophy *= 0.8  # NATO acts: Russia's expectation that it will atrophy fades (seed 000)
    elif e.attr("actor") == "CSTO":
        for c in e.attr("targets"):
            m.world.csto[m.cw.index[c]] = True
    elif e.attr("actor") == "EU":
        for c in e.attr("targets"):
            m.world.eu_level[m.cw.index[c]] = 2
    else:
        m.inst_members.setdefault(e.attr("actor"), set()).update(e.attr("targets"))
    return f"{e.attr('actor')} membership"


def partnership_offer(m, e):
    m.queue_offer(e)
    if e.attr("actor") == "NATO":
        m.world.function = min(1.0, m.world.function + 0.5 * m.p["operation_centrality"])  # NATO as the hub
    return f"offer of {e.attr('institution')} queued for decision"


def institution_offer(m, e):
    m.queue_offer(e)
    return f"offer of {e.attr('institution')} queued for decision"


def membership_pledge(m, e):
    _raise_ladder(m, e.attr("targets"), PLEDGED)
    for c in e.attr("targets"):
        i = m.cw.index[c]
        m.world.expected_join[i] = max(m.world.expected_join[i], 0.5)
    return "pledge without MAP: stake rises, protection does not"


def map_granted(m, e):
    _raise_ladder(m, e.attr("targets"), MAP)
    return "membership action plan"


def association_agreement(m, e):
    for c in e.attr("targets"):
        i = m.cw.index[c]
        m.world.eu_level[i] = max(m.world.eu_level[i], 1)
        m.world.alignment[i] = min(1.0, m.world.alignment[i] + 0.1)
    return "EU association"


def eu_accession(m, e):
    for c in e.attr("targets"):
        m.world.eu_level[m.cw.index[c]] = 2
    return "EU membership"


def operation(m, e):
    delta = order.operation_effect(e.attr("run_by"), e.attr("un_mandate"), m.p)
    if e.attr("regime_change"):
        delta *= 1.5  # regime change beyond (or without) a mandate: NATO as the order's enforcer
    m.world.function = min(1.0, max(0.05, m.world.function + delta))
    if e.attr("run_by") == "alliance":
        m.world.atrophy *= 0.8
    return f"NATO function {delta:+.3f} ({e.attr('run_by')}, UN mandate {e.attr('un_mandate')})"


def posture_change(m, e):
    comp, change = e.attr("component"), e.attr("change")
    weight = POSTURE_OFFENSE[comp]
    level = {"plan": 0.5, "deploy": 1.0, "cancel": 0.0, "withdraw": 1.0}[change]
    m.world.posture[comp] = level
    m.world.offense_west = 1.0 + sum(POSTURE_OFFENSE[k] * v for k, v in m.world.posture.items())
    return f"{comp} {change}: West offense {m.world.offense_west:.2f} (weight {weight})"


def regime_change(m, e):
    i = m.cw.index[e.attr("target")]
    if e.attr("democracy") is not None:
        m.world.democracy[i] = e.attr("democracy")
    if e.attr("direction") == "west":
        m.world.alignment[i] = min(1.0, max(m.world.alignment[i], 0.0) + 0.4)
        m.world.regime_memory[i] = 1.0
    else:
        m.world.alignment[i] = max(-1.0, min(m.world.alignment[i], 0.0) - 0.3)
        m.world.regime_memory[i] = 0.0
    return f"regime turns {e.attr('direction')}"


def statehood_change(m, e):
    if e.attr("unilateral"):
        # a secession recognised by the West without the UN: NATO's order is the one that counts (seed 000)
        m.world.function = min(1.0, m.world.function + m.p["operation_centrality"])
        return "unilateral statehood recognised by the West"
    return "statehood change"


def common_threat(m, e):
    m.world.common_threat = 1.0
    return "common threat"


def economic_shock(m, e):
    """A marker: the shock acts through the scenario's GDP path (M1 fiscal capacity), which already
    contains it; applying ``gdp_change`` again would count it twice."""
    change = e.attr("gdp_change")
    return "GDP path shock" + (f" ({change:+.0%} in current US$)" if change is not None else "")


def sanctions(m, e):
    i = m.cw.index[e.attr("target")]
    m.world.capacity[i] = max(0.2, m.world.capacity[i] * 0.9)
    return "sanctions: fiscal cost (capacity x 0.9)"


def suspend_cooperation(m, e):
    inst = e.attr("institution")
    members = m.inst_members.get(inst, set())
    targets = e.attr("targets") or [m.cw.iso3[m.cw.rus]]
    for c in targets:
        members.discard(c)
    return f"{inst} suspended"


APPLY = {name: fn for name, fn in globals().items() if callable(fn) and not name.startswith("_")
         and name not in ("order",)}
