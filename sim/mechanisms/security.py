"""M3 Broad security (Sushentsov & Wohlforth 2020) and the ladder of Western ties.

S_i = w_mil·T_i + w_status·StatusGap_i + w_sphere·SphereLoss_i + w_regime·RegimeThreat_i

StatusGap = C·(1 − voice) for a great power outside NATO (exclusion from the body that governs European
security); SphereLoss = the importance-weighted Western drift of the states i claims; RegimeThreat =
Western-backed regime change near i (Chamberlain 2013: colour revolutions). The weights are shared by every world;
``territorial_only`` sets the last three to zero. The C-driven (status) and proximity-driven (military)
parts are reported apart (docs/theory.md §2 claim b).

Ladder of ties to NATO and its weights (docs/theory.md §9 "stakes against protection"): the expected loss to
Russia rises along partner → aspirant → pledged → MAP → invited → member; protection is what commitments
give *now* — almost nothing for a pledge, Article 5 for a member. A pledge without a MAP raises the stake
without protection; a member is no longer a target.

The tables are world data that sweeps vary like parameters (docs/theory.md §9: "world data weigh as much as
parameters"): every entry between the two ends is a parameter of ``sim/params.py`` (:data:`LADDER_TABLES`
names them), and a batch may hold runs with different tables. :func:`ladder_tables` builds them from the
parameters (``[L]`` for one parameter set, ``[R, L]`` for a batch) and checks that none falls along the
ladder; :func:`ladder_value` looks a table up for every state. The module-level arrays
(:data:`EXPECTED_LOSS`, :data:`PROTECTION`, …) are the tables at the default parameters.

The fixed entries are definitions, not judgements: no tie (``none``) loses, protects, covers and holds
nothing; a member is the full loss, has Article 5 protection, counts fully in NATO's coverage and is fully
held; commitments below a pledge protect nothing (a partnership gives consultation, not defence); the West
holds nothing of a mere partner.
"""

from __future__ import annotations

import numpy as np

from sim.errors import SpiralError
from sim.mechanisms.fastmath import clip
from sim.params import defaults as _param_defaults

# ladder levels
NONE, PARTNER, ASPIRANT, PLEDGED, MAP, INVITED, MEMBER = range(7)
LADDER_NAMES = ("none", "partner", "aspirant", "pledged", "map", "invited", "member")
EU_NAMES = ("none", "association", "member")

# Every table, one entry per level: a parameter's name (sim/params.py) or a fixed number (a definition).
LADDER_TABLES = {
    # expected loss to Russia (M3 drift, M9 stake)
    "expected_loss": (0.0, "loss_partner", "loss_aspirant", "loss_pledged", "loss_map", "loss_invited", 1.0),
    # protection the tie gives now (M2, M7, M9)
    "protection": (0.0, 0.0, 0.0, "protection_pledged", "protection_map", "protection_invited", 1.0),
    # weight in NATO's coverage of Europe (centrality C, Ĉ)
    "coverage": (0.0, "coverage_partner", "coverage_aspirant", "coverage_pledged", "coverage_map",
                 "coverage_invited", 1.0),
    # how much of the state the West holds (M2 exposure of Russia)
    "west_holding": (0.0, 0.0, "holding_aspirant", "holding_pledged", "holding_map", "holding_invited", 1.0),
    # EU ties: none, association, membership (M3 drift, M9 stake), indexed by ``eu_level``
    "eu_loss": (0.0, "eu_loss_association", "eu_loss_member"),
}


class LadderError(SpiralError, ValueError):
    """A ladder table falls along the ladder (one line: which table, which levels, which run)."""


def ladder_tables(p: dict) -> dict[str, np.ndarray]:
    """Every table of :data:`LADDER_TABLES` from the parameters ``p``: ``[L]`` arrays where ``p`` holds
    numbers, ``[R, L]`` where it holds ``[R]`` (or ``[R, 1]``) arrays. Raises :class:`LadderError` if a table
    falls along the ladder (a later tie may never count less than an earlier one)."""
    out = {}
    for name, entries in LADDER_TABLES.items():
        values = [np.asarray(p[e], dtype=float) if isinstance(e, str) else np.asarray(e, dtype=float)
                  for e in entries]
        values = [v.reshape(v.shape[0]) if v.ndim == 2 and v.shape[1] == 1 else v for v in values]
        shape = np.broadcast_shapes(*(v.shape for v in values))
        table = np.stack([np.broadcast_to(v, shape) for v in values], axis=-1)
        _check_monotone(name, table)
        out[name] = table
    return out


def _check_monotone(name, table):
    falls = np.diff(table, axis=-1) < 0
    if not falls.any():
        return
    where = np.argwhere(falls)[0]
    run, i = (tuple(where[:-1]), where[-1])
    row = table[run] if run else table
    levels = LADDER_NAMES if name != "eu_loss" else EU_NAMES
    params = LADDER_TABLES[name]
    label = lambda j: f"{levels[j]} ({params[j]})" if isinstance(params[j], str) else levels[j]  # noqa: E731
    in_run = f" in run {run[0]}" if run else ""
    raise LadderError(f"ladder table {name!r} falls along the ladder{in_run}: {label(i)} = {row[i]:g} > "
                      f"{label(i + 1)} = {row[i + 1]:g}; each level must count at least as much as the one below")


def check_ladder_tables(p: dict) -> None:
    """Raise :class:`LadderError` if the parameters ``p`` make a ladder table fall (used by ``resolve``)."""
    ladder_tables(p)


def ladder_value(table, ladder):
    """``table`` looked up at each state's level: a table ``[L]`` shared by every run, or ``[R, L]`` (one per
    run) with ``ladder`` ``[R, ...]`` (its first axis the runs, e.g. ``s.ladder`` ``[R, N]`` or ``s.ladder[:, i]``
    ``[R]``); the result has the shape of ``ladder``."""
    table = np.asarray(table)
    ladder = np.asarray(ladder)
    if table.ndim == 1:
        return table[ladder]
    if ladder.ndim == 0:
        return table[:, ladder]
    offset = (np.arange(table.shape[0]) * table.shape[1]).reshape((-1,) + (1,) * (ladder.ndim - 1))
    return np.take(table, ladder + offset)  # table[r, ladder[r, ...]] as one flat take (same values)


_DEFAULT_P = _param_defaults()
DEFAULT_TABLES = ladder_tables(_DEFAULT_P)
EXPECTED_LOSS = DEFAULT_TABLES["expected_loss"]
PROTECTION = DEFAULT_TABLES["protection"]
COVERAGE = DEFAULT_TABLES["coverage"]
WEST_HOLDING = DEFAULT_TABLES["west_holding"]
EU_LOSS = DEFAULT_TABLES["eu_loss"]


def status_gap(centrality, voice):
    """C·(1 − voice): exclusion from the body that governs European security (Sushentsov & Wohlforth 2020, Steinel 2007)."""
    return centrality * (1.0 - voice)


def western_drift(ladder: np.ndarray, eu_level: np.ndarray, alignment: np.ndarray, tables: dict | None = None,
                  p: dict | None = None) -> np.ndarray:
    """How far each state has moved West: its strongest tie, or its alignment (× ``drift_alignment_weight``),
    whichever is larger (docs/theory.md §9: a state moves West by its ties and by leaning West).
    ``tables``: from :func:`ladder_tables` (default: the default tables); ``p``: parameters, ``[R, 1]``
    columns for ``[R, N]`` states."""
    t = DEFAULT_TABLES if tables is None else tables
    p = _DEFAULT_P if p is None else p
    ties = np.maximum(ladder_value(t["expected_loss"], ladder), ladder_value(t["eu_loss"], eu_level))
    return np.maximum(ties, clip(alignment, 0.0, 1.0) * p["drift_alignment_weight"])


def stakes(ladder: np.ndarray, eu_level: np.ndarray, alignment: np.ndarray, tables: dict | None = None,
           p: dict | None = None) -> np.ndarray:
    """The loss Russia can still prevent in each state: max(0, expected loss − protection) (docs/theory.md §9)."""
    t = DEFAULT_TABLES if tables is None else tables
    return np.maximum(0.0, western_drift(ladder, eu_level, alignment, t, p) - ladder_value(t["protection"], ladder))


def sphere_loss(drift, importance, in_sphere, exists):
    """Importance-weighted mean Western drift of the states Russia claims (Chamberlain 2013, ch. II, “Realism”; Sushentsov & Wohlforth 2020)."""
    w = importance * in_sphere * exists
    total = w.sum(axis=-1)
    return np.where(total > 0, (w * drift).sum(axis=-1) / np.where(total > 0, total, 1.0), 0.0)


def regime_threat(regime_memory, importance, in_sphere):
    """Western-backed regime change near Russia, weighted by importance, saturating at 1 (Chamberlain 2013)."""
    return np.minimum(1.0, (regime_memory * importance * in_sphere).sum(axis=-1))


def insecurity(military, status, sphere, regime, p: dict) -> dict:
    """Components and total of a great power's insecurity (weights shared by all worlds)."""
    parts = {
        "military": p["w_military"] * military,
        "status": p["status_weight"] * status,
        "sphere": p["sphere_weight"] * sphere,
        "regime": p["regime_weight"] * regime,
    }
    parts["total"] = sum(parts.values())
    return parts


def west_holding(ladder, expected_join, tables: dict | None = None, p: dict | None = None):
    """How much of a state the West holds, by its tie to NATO (exposure in M2; Walt 1987: proximity): members
    fully, invitees and MAP holders in part (the ``west_holding`` table); a named candidate counts with
    ``holding_expected_weight`` of its expected accession (Russia looks ahead)."""
    t = DEFAULT_TABLES if tables is None else tables
    p = _DEFAULT_P if p is None else p
    return np.maximum(ladder_value(t["west_holding"], ladder), expected_join * p["holding_expected_weight"])
