"""Observables whose formulas are fixed before any calibration (docs/theory.md §5).

Tension index (both sides): mean of (i) mutual belief — the mean of Russia's belief that the West is not a
security seeker and NATO's capability-weighted belief about Russia; (ii) the share of defect stances
(Russia toward NATO, NATO toward Russia); (iii) normalised arming — the mean of Russia's and NATO-Europe's
burden, each over 10 % of GDP. A Russia-only index uses Russia's belief, stance and burden alone, and is
always reported beside it (docs/theory.md §9: NATO's scripted stance would otherwise nearly script the index).

Relationship regime (from stances and events, not from a tension threshold): war if Russia used force in
the last 4 quarters (``WAR_WINDOW``); crisis if it used force in the last 12 quarters (``CRISIS_WINDOW``) or
coerces now while both sides defect; confrontation if both defect; cold peace if one defects; cooperation if
both cooperate.
"""

from __future__ import annotations

import numpy as np

REGIMES = ("cooperation", "cold_peace", "confrontation", "crisis", "war")
# Fixed definitions of the observables, set before any calibration and never swept or calibrated (they say what
# is measured, not how the world works; docs/model.md lists them): the burden that counts as full arming in the
# tension index, and the windows (quarters since Russia last used force) of the regimes "war" and "crisis".
BURDEN_SCALE = 0.10
WAR_WINDOW = 4
CRISIS_WINDOW = 12
_CODE = {name: i for i, name in enumerate(REGIMES)}


def tension(b_russia_about_west, b_nato_about_russia, russia_defects, nato_defects, russia_burden, nato_burden):
    belief = 0.5 * (b_russia_about_west + b_nato_about_russia)
    defect = 0.5 * (np.asarray(russia_defects, dtype=float) + np.asarray(nato_defects, dtype=float))
    arming = 0.5 * (np.minimum(1.0, russia_burden / BURDEN_SCALE) + np.minimum(1.0, nato_burden / BURDEN_SCALE))
    return (belief + defect + arming) / 3.0


def tension_russia(b_russia_about_west, russia_defects, russia_burden):
    return (b_russia_about_west + np.asarray(russia_defects, dtype=float)
            + np.minimum(1.0, russia_burden / BURDEN_SCALE)) / 3.0


def regime_code(russia_defects, nato_defects, quarters_since_force, coercing_now):
    """The relationship regime as an index into :data:`REGIMES` (elementwise)."""
    r, n, c = (np.asarray(x, dtype=bool) for x in (russia_defects, nato_defects, coercing_now))
    since = np.asarray(quarters_since_force)
    return np.select([since < WAR_WINDOW, (since < CRISIS_WINDOW) | (c & r & n), r & n, r | n],
                     [_CODE["war"], _CODE["crisis"], _CODE["confrontation"], _CODE["cold_peace"]], _CODE["cooperation"])


def relationship_regime(russia_defects, nato_defects, quarters_since_force, coercing_now):
    """The relationship regime's name (a string, or an array of strings)."""
    code = regime_code(russia_defects, nato_defects, quarters_since_force, coercing_now)
    names = np.array(REGIMES, dtype=object)[code]
    return str(names) if np.ndim(code) == 0 else names
