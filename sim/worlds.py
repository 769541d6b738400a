"""The four hypotheses as fixed type presets (docs/theory.md §2; Sushentsov & Wohlforth 2020).

A type is a fixed setting of two weights — the order weight (with the preferred centrality C*) and the
greed weight. A world fixes the types of the West's leader (the USA) and of Russia. Presets are never
fitted: a world is a hypothesis, not a knob. (``order_weight`` and ``greed`` set the *magnitude* of a
non-zero weight and may be varied in sensitivity analysis, identically for every world.)
"""

from __future__ import annotations

from dataclasses import dataclass

WORLDS = ("security_dilemma", "deterrence", "provocation", "revisionist_spiral")

PRESETS: dict[str, dict[str, str]] = {
    "security_dilemma": {"leader": "security_seeker", "russia": "security_seeker"},
    "deterrence": {"leader": "security_seeker", "russia": "greedy_expansionist"},
    "provocation": {"leader": "greedy_expansionist", "russia": "security_seeker"},
    "revisionist_spiral": {"leader": "order_revisionist", "russia": "order_revisionist"},
}

STORIES = {
    "security_dilemma": "two security seekers who misread each other (Jervis spiral model; Glaser; Tang)",
    "deterrence": "a security-seeking West facing a greedy, expansionist Russia (Jervis deterrence model)",
    "provocation": "a greedy West provoking a security-seeking Russia (Mearsheimer 2014)",
    "revisionist_spiral": "two order revisionists: NATO-centred vs inclusive order (Sushentsov & Wohlforth 2020)",
}


@dataclass(frozen=True)
class Motive:
    """A great power's private motives: order weight toward a preferred centrality, and greed."""

    type: str
    order_weight: float
    preferred_centrality: float
    greed: float


def motive(type_name: str, role: str, params: dict) -> Motive:
    """The motive of a type for the leader (prefers C -> 1) or Russia (prefers C -> 0)."""
    preferred = 1.0 if role == "leader" else 0.0
    if type_name == "security_seeker":
        return Motive(type_name, 0.0, preferred, 0.0)
    if type_name == "order_revisionist":
        return Motive(type_name, params["order_weight"], preferred, 0.0)
    if type_name == "greedy_expansionist":
        return Motive(type_name, 0.0, preferred, params["greed"])
    raise ValueError(f"unknown type {type_name!r}")


TYPES = ("security_seeker", "order_revisionist", "greedy_expansionist")


def type_motives(pr: dict):
    """The motives of the three types side by side, for observers who weigh every type (M4) and for the
    M8 evidence: ``(order_weight, greed)``, each ``[..., 3]`` in the order of :data:`TYPES` (S, R, G).
    ``pr`` holds the preset magnitudes (floats or ``[R]`` arrays)."""
    import numpy as np

    ow = np.asarray(pr["order_weight"], dtype=float)
    g = np.asarray(pr["greed"], dtype=float)
    zero = np.zeros_like(ow)
    return np.stack([zero, ow, zero], axis=-1), np.stack([zero, zero, g], axis=-1)


MODEL_SEP = "+"


def split_model(name: str) -> tuple[str, dict[str, float]]:
    """A *model* is a world with switches turned on, written ``world+switch[+switch...]`` — e.g.
    ``revisionist_spiral+territorial_only`` (seed 000's claim (c) crossed with a world, docs/theory.md §2) —
    so that a claim or an M10 module is compared with the worlds under one protocol. Returns the world and
    the switch values (1 each); a plain world name has none. One-line ``ValueError`` for an unknown world or
    switch."""
    world, *switches = str(name).split(MODEL_SEP)
    world_types(world)
    for sw in switches:
        check_switch(sw, f" in model {name!r}")
    if len(set(switches)) != len(switches):
        raise ValueError(f"model {name!r} names a switch twice")
    return world, {sw: 1.0 for sw in switches}


def check_switch(name: str, where: str = "") -> None:
    """A one-line ``ValueError`` (with 'did you mean') unless ``name`` is a switch of :data:`sim.params.SWITCHES`."""
    from sim.params import SWITCHES

    if name not in SWITCHES:
        import difflib
        close = difflib.get_close_matches(str(name), SWITCHES, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown switch {name!r}{where}{hint}; switches: {', '.join(SWITCHES)}")


def model_pairs(models) -> list[tuple[str, str, str]]:
    """``(switch, world, model)`` for every model ``world+switch`` among ``models`` whose plain ``world`` is there
    too — the pairs a switch's paired effect compares (``switch`` may itself be ``a+b``)."""
    models = list(models)
    return [(m.split(MODEL_SEP, 1)[1], m.split(MODEL_SEP, 1)[0], m) for m in models
            if MODEL_SEP in m and m.split(MODEL_SEP, 1)[0] in models]


def world_types(world: str) -> dict[str, str]:
    """The types (leader, russia) of a world, or of the world of a model ``world+switch...``."""
    if MODEL_SEP in str(world):
        world = str(world).split(MODEL_SEP)[0]
    if world not in PRESETS:
        import difflib
        close = difflib.get_close_matches(world, WORLDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown world {world!r}{hint}; choose one of {', '.join(WORLDS)}")
    return PRESETS[world]
