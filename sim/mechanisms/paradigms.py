"""M10 Other paradigms, switchable (Chamberlain 2013; Ratti 2009 test realism against liberalism and
constructivism). Off by default; each is a modifier that the model applies without touching the realist
mechanisms.

Liberal (Chamberlain 2013, ch. II, “Liberalism”; Doyle 1986): threat between democracies is discounted by the product of their
democracy levels; institutions with real voice damp the spiral (they shrink the harm read into acts).

Constructivist (Steinel 2007, Deutsch 1957; Chamberlain 2013, ch. II, “Constructivism”): a shared-identity score rises with the number of
dialogue channels (institutions both sides sit in) and falls after hostile acts; it pulls priors toward
trust and raises empathy.

The strengths are parameters of ``sim/params.py`` (M10), read from ``p`` (default: their defaults); every
modifier is exactly neutral where its switch is 0.
"""

from __future__ import annotations

import numpy as np

from sim.params import defaults as _param_defaults

_DEFAULT_P = _param_defaults()


def liberal_threat_discount(democracy_i, democracy_j, switch, p: dict | None = None):
    """1 − switch · ``liberal_discount`` · d_i · d_j (Doyle 1986: democracies do not fear each other)."""
    p = _DEFAULT_P if p is None else p
    return 1.0 - switch * p["liberal_discount"] * np.asarray(democracy_i) * np.asarray(democracy_j)


def liberal_harm_damping(voice, switch, p: dict | None = None):
    """1 − switch · ``liberal_damping`` · voice: institutions with voice shrink the harm read into acts."""
    p = _DEFAULT_P if p is None else p
    return 1.0 - switch * p["liberal_damping"] * voice


def identity_update(identity, channels, hostile_harm, switch, p: dict | None = None):
    """Shared identity moves toward ``identity_per_channel`` × channels (capped at 1) at ``identity_speed``
    and loses ``identity_erosion`` per unit of hostile harm (Deutsch 1957). Unchanged where the switch is off."""
    p = _DEFAULT_P if p is None else p
    target = np.minimum(1.0, p["identity_per_channel"] * np.asarray(channels))
    new = identity + p["identity_speed"] * (target - identity) - p["identity_erosion"] * np.maximum(0.0, hostile_harm)
    return np.where(np.asarray(switch) > 0, np.minimum(1.0, np.maximum(0.0, new)), identity)


def constructivist_prior(prior, identity, switch, p: dict | None = None):
    """A shared identity pulls the prior toward trust by up to ``identity_prior_weight``."""
    p = _DEFAULT_P if p is None else p
    return prior * (1.0 - p["identity_prior_weight"] * switch * identity)


def constructivist_empathy(empathy, identity, switch, p: dict | None = None):
    """A shared identity adds up to ``identity_empathy`` to empathy (capped at 1)."""
    p = _DEFAULT_P if p is None else p
    return np.minimum(1.0, empathy + p["identity_empathy"] * switch * identity)
