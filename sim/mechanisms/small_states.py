"""M7 Small states: membership demand, balancing and bandwagoning (Walt 1987; Steinel 2007 "reluctant
bandwagoning"; Chamberlain 2013, ch. II, “Realism”).

Demand for NATO membership rises with the threat from Russia and the West's pull (democracy, alignment),
and with contagion from neighbours' Western moves (docs/theory.md §9), and falls with the expected cost of Russian
retaliation (Russia's capability relative to NATO's protection of the state, times its belief that Russia
is not a security seeker). A state balances against the main threat when an ally is available; it
bandwagons when the threat is overwhelming and no ally is (NATO's protection of it is nil).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.fastmath import clip


def logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def membership_demand(threat, pull, retaliation_cost, contagion, p: dict, availability=1.0):
    """Demand in (0, 1). Threat drives demand only as far as an ally is available (Walt 1987: balance
    when an ally is available); ``availability`` in [0, 1] is the West's openness to the state."""
    x = (p["demand_threat"] * threat * availability + p["demand_pull"] * pull + p["demand_contagion"] * contagion
         - p["demand_cost"] * retaliation_cost - 1.5)
    return logistic(x)


def ally_availability(expected_join, is_partner):
    """The West's openness to a state: half by default, more for a partner or a named candidate."""
    return 0.5 + 0.5 * np.maximum(expected_join, 0.5 * np.asarray(is_partner, dtype=float))


def western_pull(democracy, alignment):
    """Pull of the West: liberal attraction (Chamberlain 2013, ch. II, “Liberalism”) and existing alignment."""
    return 0.5 * np.asarray(democracy) + 0.5 * clip(alignment, 0.0, 1.0)


def retaliation_cost(russia_power_share, protection, belief_about_russia, in_sphere):
    """Expected cost of moving West: Russia's relative power, unprotected share, Russia's perceived
    hostility; doubled inside Russia's claimed sphere."""
    return russia_power_share * (1.0 - protection) * belief_about_russia * (1.0 + in_sphere)


def alignment_target(demand, threat, protection, alignment):
    """Balance (move West) when demand is high and an ally is available; bandwagon (move East) when the
    threat is overwhelming (≥ 0.5) and no protection is available (Walt 1987)."""
    balance = (demand - 0.5) * 2.0
    overwhelmed = clip((threat - 0.5) * 2.0, 0.0, 1.0) * (1.0 - protection)
    return clip(0.7 * alignment + 0.3 * balance - 0.6 * overwhelmed, -1.0, 1.0)


def frozen_conflict_damping(demand, frozen):
    """A frozen conflict on its soil blocks a state's prospects: NATO avoids states with open conflicts
    (docs/theory.md §4 (M9), §9 aftermath), so its demand is damped by up to 70 %."""
    return demand * (1.0 - 0.7 * frozen)


def accepts_partnership(alignment, is_member):
    """A small state joins an offered partnership unless it leans firmly to Russia (alignment ≤ −0.5)."""
    return (np.asarray(alignment) > -0.5) & ~np.asarray(is_member, dtype=bool)
