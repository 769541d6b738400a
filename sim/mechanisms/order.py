"""The European order: NATO centrality C and the expected C of the great powers (docs/theory.md §3; Sushentsov & Wohlforth 2020).

C = coverage × function:
- coverage: the capability-weighted share of European states (Russia and North America excluded) whose
  security runs through NATO, by their ladder level (member 1, invited .85, MAP .5, ..., partner .2) — so an
  accession raises C in proportion to the new member's capability;
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
from sim.mechanisms.security import COVERAGE

STAGE_CREDIBILITY = {"intention": 0.5, "study": 0.75, "decision": 1.0}  # × signal_credibility


def coverage(capability, ladder_weight, european):
    w = capability * european
    total = w.sum(axis=-1)
    covered = (w * ladder_weight).sum(axis=-1)
    return np.where(total > 0, covered / np.where(total > 0, total, 1.0), 0.0)


def centrality(capability, ladder, european, function):
    return clip(coverage(capability, COVERAGE[ladder], european) * function, 0.0, 1.0)


def expected_centrality(capability, ladder, expected_join, european, function, atrophy):
    weights = np.maximum(COVERAGE[ladder], expected_join)
    return clip(coverage(capability, weights, european) * function * (1.0 - atrophy), 0.0, 1.0)


def operation_effect(run_by: str, un_mandate: bool, p: dict):
    """Change of NATO's governing function from an operation (``run_by`` and ``un_mandate`` are attributes
    of the event, not state)."""
    if run_by == "alliance":
        return p["operation_centrality"] * (1.0 if un_mandate else 2.0)
    return -p["operation_centrality"]  # a coalition outside the alliance bypasses and splits it


def function_from_voice(base_function, voice, p: dict):
    return clip(base_function - p["inclusive_centrality"] * voice, 0.05, 1.0)
