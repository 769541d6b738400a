"""The European order: NATO centrality C and the expected C of the great powers (docs/theory.md §3; Sushentsov & Wohlforth 2020).

C = coverage × function:
- coverage: the capability-weighted share of European states (Russia and North America excluded) whose
  security runs through NATO, by their ladder level (the ``coverage`` table of
  :data:`sim.mechanisms.security.LADDER_TABLES`: member 1, partner to invitee parameters) — so an accession
  raises C in proportion to the new member's capability;
- function: how far European security is *governed* through NATO rather than inclusive institutions. It
  starts at ``initial_function``, rises with alliance operations (twice as much without a UN mandate —
  Kosovo 1999, and a unilateral secession the West recognises, Kosovo 2008 — Sushentsov & Wohlforth 2020), and falls with the
  voice Russia holds in joint bodies (PJC, NRC: inclusive arrangements) and with coalition operations that
  bypass the alliance (Iraq 2003). Effects come from the kind and attributes of what happened, never from a
  dial per event.

Russia's *expected* C (Ĉ) uses expected ladder levels — candidates named by enlargement signals count with
the credibility of the signal's stage — and discounts NATO's function by Russia's expectation that NATO will
atrophy, which fades as NATO persists and acts (Sushentsov & Wohlforth 2020: Russia's cooperation was premised on NATO
atrophying or being subordinated to inclusive institutions).
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.fastmath import clip
from sim.mechanisms.security import DEFAULT_TABLES, ladder_value
from sim.params import defaults as _param_defaults

_DEFAULT_P = _param_defaults()
# credibility of an enlargement signal by stage, × signal_credibility: the parameter of each stage ('decision'
# is the reference, 1 by definition)
STAGES = {"intention": "credibility_intention", "study": "credibility_study", "decision": 1.0}
STAGE_CREDIBILITY = {k: float(_DEFAULT_P[v]) if isinstance(v, str) else v for k, v in STAGES.items()}  # defaults


def signal_credibility(stage: str, p: dict):
    """Probability observers attach to an enlargement signal at ``stage``: ``signal_credibility`` times the
    stage's credibility relative to a decision (Goldgeier 1999: from intention to decision); ``[R]`` when
    ``p`` holds ``[R]`` arrays."""
    v = STAGES[stage]
    return p["signal_credibility"] * (p[v] if isinstance(v, str) else v)


def coverage(capability, ladder_weight, european):
    """Capability-weighted share of European states whose security runs through NATO (docs/theory.md §3)."""
    w = capability * european
    total = w.sum(axis=-1)
    covered = (w * ladder_weight).sum(axis=-1)
    return np.where(total > 0, covered / np.where(total > 0, total, 1.0), 0.0)


def centrality(capability, ladder, european, function, tables: dict | None = None):
    """C = coverage × function (Sushentsov & Wohlforth 2020); ``tables`` from
    :func:`sim.mechanisms.security.ladder_tables` (default: the default tables)."""
    t = DEFAULT_TABLES if tables is None else tables
    return clip(coverage(capability, ladder_value(t["coverage"], ladder), european) * function, 0.0, 1.0)


def expected_centrality(capability, ladder, expected_join, european, function, atrophy, tables: dict | None = None):
    """Russia's expected C: expected ladder levels, NATO's function discounted by expected atrophy
    (Sushentsov & Wohlforth 2020)."""
    t = DEFAULT_TABLES if tables is None else tables
    weights = np.maximum(ladder_value(t["coverage"], ladder), expected_join)
    return clip(coverage(capability, weights, european) * function * (1.0 - atrophy), 0.0, 1.0)


def operation_effect(run_by: str, un_mandate: bool, p: dict):
    """Change of NATO's governing function from an operation (``run_by`` and ``un_mandate`` are attributes
    of the event, not state): ``no_mandate_factor`` times more without a UN mandate (Sushentsov & Wohlforth
    2020: Kosovo 1999)."""
    if run_by == "alliance":
        return p["operation_centrality"] * (1.0 if un_mandate else p["no_mandate_factor"])
    return -p["operation_centrality"]  # a coalition outside the alliance bypasses and splits it


def function_from_voice(base_function, voice, p: dict):
    """NATO's function falls with the voice Russia holds in joint bodies (Steinel 2007, §2.2.3), down to
    ``function_floor``. With the ``expansion_only`` switch on (seed 000's claim (b) turned round: the order is
    NATO's *expansion*, not its centrality) the function stays at ``initial_function`` whatever the
    operations, recognitions and voice, so C = coverage × a constant moves only with membership and the ladder
    (Sushentsov & Wohlforth 2020 argue the opposite: Kosovo, Libya and the inclusive bodies moved C)."""
    f = clip(base_function - p["inclusive_centrality"] * voice, p["function_floor"], 1.0)
    return np.where(np.asarray(p["expansion_only"]) > 0, p["initial_function"], f)


def voice_in_status(voice, p: dict):
    """The voice that offsets Russia's status gap C·(1 − voice) (M3): all of it, or none with the
    ``expansion_only`` switch on (under expansion, a seat in joint bodies does not make up for NATO's reach;
    docs/theory.md §2 claim (b))."""
    return voice * (1.0 - np.asarray(p["expansion_only"], dtype=float))
