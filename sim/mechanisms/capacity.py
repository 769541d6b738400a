"""M1 Capacity: capability accumulates from effort times the economic base, with depreciation.

Capacity limits what a state can do (Chamberlain 2013, Chamberlain 2013, ch. III, “IR Theory and the Bush Administration”: Russia balanced softly while weak
and hard once its economy recovered). GDP follows the scenario's exogenous path; the US's effort too.
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


def accumulate(capability, effort, gdp, depreciation):
    """K' = (1 - delta/4) K + e Y / 4 (quarterly perpetual inventory; Y annual GDP, e share of GDP)."""
    return (1.0 - depreciation / 4.0) * capability + effort * gdp / 4.0


def initial_capability(cinc, effort, gdp, leader: int, depreciation):
    """Initial stocks in the leader's spending units, proportional to COW CINC (Singer, Bremer & Stuckey
    1972), so that capability ratios start comparable to CINC ratios (Russia's Soviet legacy is a stock,
    not its 1992 spending at market exchange rates). Afterwards the stocks evolve with spending (M1)."""
    unit = effort[..., leader] * gdp[..., leader] / depreciation / np.maximum(cinc[..., leader], 1e-12)
    return cinc * np.asarray(unit)[..., None]


def steady_state(effort: np.ndarray, gdp: np.ndarray, depreciation: float) -> np.ndarray:
    """Initial stock consistent with the initial effort: K* = e Y / delta."""
    return effort * gdp / depreciation


def fiscal_capacity(capacity, gdp, gdp_peak, memory):
    """Capacity in (0, 1]: how far the economy stands below its reference peak, smoothed. The reference is
    the running peak decaying with a half-life (``fiscal_reference_years``): budgets adapt to a new normal,
    so a devaluation does not cut capacity for ever.

    A collapsing economy (Russia in the 1990s, the 1998 default) cuts what the state can spend on arms;
    recovery restores it (Chamberlain 2013).
    """
    target = clip(gdp / np.maximum(gdp_peak, 1e-9), 0.0, 1.0)
    return capacity + memory * (target - capacity)
