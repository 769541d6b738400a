"""M1 Capacity: capability accumulates from effort times the economic base, with depreciation.

The economic base is real GDP at purchasing-power parity (docs/economy.md: military capability is bought
mostly with domestic, non-traded inputs — pay, operations, domestically built equipment — whose volume
market exchange rates misstate; Ward 2006, Balassa 1964). Capability is a perpetual inventory of real
military spending. Capacity limits what a state can do (Chamberlain 2013, ch. III, “IR Theory and the Bush
Administration”: Russia balanced softly while weak and hard once its economy recovered). GDP follows the
scenario's exogenous path times the damage that modelled force and sanctions do; the US's effort is an
exogenous path (docs/theory.md §4, M1).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.fastmath import clip


def interpolate_path(points: dict[int, float], quarters: np.ndarray) -> np.ndarray:
    """Annual values (at mid-year) -> quarterly values by linear interpolation, held flat beyond the data."""
    years = np.array(sorted(points), dtype=float)
    vals = np.array([points[int(y)] for y in years], dtype=float)
    t = quarters / 4.0 + 0.125  # quarter mid-points in decimal years
    return np.interp(t, years + 0.5, vals)


def extend_path(points: dict[int, float], growth: float, until: int) -> dict[int, float]:
    """Continue an annual path from its last year at a constant annual growth rate up to ``until`` (rule T1
    of sim/data/README.md: the state's pre-2014 trend, for the states whose GDP after 2013 the model makes)."""
    last = max(points)
    out = dict(points)
    for y in range(last + 1, until + 1):
        out[y] = points[last] * (1.0 + growth) ** (y - last)
    return out


def accumulate(capability, effort, gdp, depreciation):
    """K' = (1 - delta/4) K + e Y / 4 (quarterly perpetual inventory; Y annual real GDP, e share of GDP)."""
    return (1.0 - depreciation / 4.0) * capability + effort * gdp / 4.0


def initial_capability(cinc, effort, gdp, leader: int, depreciation):
    """Initial stocks in the leader's spending units, proportional to COW CINC (Singer, Bremer & Stuckey
    1972). The stock of 1992 is a legacy of the Cold War, not of 1992's spending: Russia inherited most of
    the Soviet forces while its budget collapsed, and the European allies' forces were sized for the Cold
    War. A steady state of 1992's flows (``steady_state``) would read Russia's collapsed budget as if it had
    always been so; CINC is the one independent, sourced measure of the stocks in 1992. The leader starts at
    its steady state e·Y/δ; afterwards every stock evolves with real spending (M1)."""
    unit = effort[..., leader] * gdp[..., leader] / depreciation / np.maximum(cinc[..., leader], 1e-12)
    return cinc * np.asarray(unit)[..., None]


def steady_state(effort: np.ndarray, gdp: np.ndarray, depreciation: float) -> np.ndarray:
    """Initial stock consistent with the initial effort: K* = e Y / delta."""
    return effort * gdp / depreciation


def fiscal_reference(reference, gdp, half_life_years):
    """The economy a state's commitments (forces, personnel, procurement) are sized for, one quarter on: a new
    high of GDP becomes the reference at once; below it, the reference adapts toward current GDP with a
    half-life (``fiscal_reference_years``): budgets adapt to a new normal, at the pace the commitments turn
    over. (Partial adjustment toward GDP, not decay toward zero: a slump of a few per cent a year, as Russia's
    real GDP fell from 1992 to 1998, then weighs on capacity for as long as it lasts.)"""
    return gdp + decay_factor(half_life_years) * np.maximum(reference - gdp, 0.0)


def fiscal_capacity(capacity, gdp, reference, memory):
    """Capacity in (0, 1]: how far the economy stands below its reference (``fiscal_reference``), smoothed
    at ``memory`` per quarter.

    A collapsing economy (Russia in the 1990s) cuts what the state can spend on arms; recovery restores it
    (Chamberlain 2013). GDP is real, so a devaluation is not a collapse of the economy.
    """
    target = clip(gdp / np.maximum(reference, 1e-9), 0.0, 1.0)
    return capacity + memory * (target - capacity)


def decay_factor(half_life_years):
    """Per-quarter factor of a quantity that halves in ``half_life_years``."""
    return 0.5 ** (1.0 / (4.0 * np.asarray(half_life_years)))


def gdp_damage(damage, hit, sanctions, sanctions_cost, half_life_years):
    """Damage to GDP (a share of the exogenous path lost), one quarter on.

    Damage recovers toward the level that sanctions in force impose (``sanctions`` in 0..1 times
    ``sanctions_cost``, the annual output a full sanctions regime costs its target; Hufbauer, Schott, Elliott &
    Oegg 2007) with a half-life; a use of force this quarter destroys a further share ``hit`` of what is left
    (the cost of war to the attacked state's output: Collier 1999; Cerra & Saxena 2008). Under constant
    sanctions the damage converges to ``sanctions · sanctions_cost``; when they are lifted, and after a war,
    it recovers with the half-life (Chen, Loayza & Reynal-Querol 2008: recovery once peace holds)."""
    f = decay_factor(half_life_years)
    target = np.asarray(sanctions) * sanctions_cost
    recovered = f * damage + (1.0 - f) * target
    return 1.0 - (1.0 - recovered) * (1.0 - np.asarray(hit))
