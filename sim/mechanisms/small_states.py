"""M7 Small states: membership demand, balancing and bandwagoning (Walt 1987; Steinel 2007 "reluctant
bandwagoning"; Chamberlain 2013, ch. II, “Realism”).

Demand for NATO membership rises with the threat from Russia and the West's pull (democracy, alignment),
and with contagion from neighbours' Western moves (docs/theory.md §9), and falls with the expected cost of Russian
retaliation (Russia's capability relative to NATO's protection of the state, times its belief that Russia
is not a security seeker). A state balances against the main threat when an ally is available; it
bandwagons when the threat is overwhelming and no ally is (NATO's protection of it is nil).

Every number is a parameter of ``sim/params.py`` (M7); the functions read them from ``p`` — ``[R, 1]``
columns (the engine's ``b.ps``) for ``[R, N]`` states — and default to the parameters' defaults.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.fastmath import clip
from sim.params import defaults as _param_defaults

_DEFAULT_P = _param_defaults()


def logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def membership_demand(threat, pull, retaliation_cost, contagion, p: dict, availability=1.0):
    """Demand in (0, 1). Threat drives demand only as far as an ally is available (Walt 1987: balance
    when an ally is available); ``availability`` in [0, 1] is the West's openness to the state."""
    x = (p["demand_threat"] * threat * availability + p["demand_pull"] * pull + p["demand_contagion"] * contagion
         - p["demand_cost"] * retaliation_cost + p["demand_intercept"])
    return logistic(x)


def ally_availability(expected_join, is_partner, p: dict | None = None):
    """The West's openness to a state (Walt 1987: an ally must be available): ``availability_base`` by
    default, rising to 1 with its expected accession — a partnership counting as an expected accession of
    ``availability_partner``."""
    p = _DEFAULT_P if p is None else p
    base = p["availability_base"]
    openness = np.maximum(expected_join, p["availability_partner"] * np.asarray(is_partner, dtype=float))
    return base + (1.0 - base) * openness


def western_pull(democracy, alignment, p: dict | None = None):
    """Pull of the West: liberal attraction (Chamberlain 2013, ch. II, “Liberalism”) and existing alignment,
    weighted ``pull_democracy_share`` and the rest."""
    p = _DEFAULT_P if p is None else p
    share = p["pull_democracy_share"]
    return share * np.asarray(democracy) + (1.0 - share) * clip(alignment, 0.0, 1.0)


def retaliation_cost(russia_power_share, protection, belief_about_russia, in_sphere, p: dict | None = None):
    """Expected cost of moving West: Russia's relative power, unprotected share, Russia's perceived
    hostility; raised by ``sphere_retaliation`` inside Russia's claimed sphere (Chamberlain 2013, ch. II,
    “Realism”: spheres of influence)."""
    p = _DEFAULT_P if p is None else p
    return (russia_power_share * (1.0 - protection) * belief_about_russia
            * (1.0 + p["sphere_retaliation"] * in_sphere))


def alignment_target(demand, threat, protection, alignment, p: dict | None = None):
    """Balance (move West) when demand is high and an ally is available; bandwagon (move East) when the
    threat is overwhelming (above ``overwhelming_threat``) and no protection is available (Walt 1987).
    Demand maps to a balancing pull in [−1, 1]; the overwhelming share of the threat runs from 0 at the
    threshold to 1 at the largest threat."""
    p = _DEFAULT_P if p is None else p
    o = p["overwhelming_threat"]
    balance = (demand - 0.5) * 2.0
    overwhelmed = clip((threat - o) / (1.0 - o), 0.0, 1.0) * (1.0 - protection)
    return clip(p["alignment_inertia"] * alignment + p["balance_weight"] * balance
                - p["bandwagon_weight"] * overwhelmed, -1.0, 1.0)


def frozen_conflict_damping(demand, frozen, p: dict | None = None):
    """A frozen conflict on its soil blocks a state's prospects: NATO avoids states with open conflicts
    (docs/theory.md §4 (M9), §9 aftermath), so its demand is damped by up to ``frozen_demand_damping``."""
    p = _DEFAULT_P if p is None else p
    return demand * (1.0 - p["frozen_demand_damping"] * frozen)


def bound_by_csto(csto, p: dict | None = None):
    """States the Collective Security Treaty binds (Tashkent, 15 May 1992, Art. 1: its members join no alliance
    directed against another member), where the switch ``csto_exclusive`` is on: they do not apply to NATO, and
    NATO takes up no decision on them — an application or an invitation made before they joined the CSTO
    (Belarus before 1993Q4) lapses while they are members (``events.review_applications``, ``apply_event``).
    Off (the default, as in every study of docs/results.md), nothing is bound."""
    p = _DEFAULT_P if p is None else p
    return np.asarray(csto, dtype=bool) & (np.asarray(p["csto_exclusive"]) >= 0.5)


def accepts_partnership(alignment, is_member, p: dict | None = None):
    """A small state joins an offered partnership unless it leans firmly to Russia (alignment at or below
    ``partnership_refusal_alignment``; every post-Soviet state joined PfP by 2002)."""
    p = _DEFAULT_P if p is None else p
    return (np.asarray(alignment) > p["partnership_refusal_alignment"]) & ~np.asarray(is_member, dtype=bool)
