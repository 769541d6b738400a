"""M10 Other paradigms, switchable (Chamberlain 2013; Ratti 2009 test realism against liberalism and
constructivism). Off by default; each is a modifier that the model applies without touching the realist
mechanisms.

Liberal (Chamberlain 2013, ch. II, “Liberalism”; Doyle 1986): threat between democracies is discounted by the product of their
democracy levels; institutions with real voice damp the spiral (they shrink the harm read into acts).

Constructivist (Steinel 2007, Deutsch 1957; Chamberlain 2013, ch. II, “Constructivism”): a shared-identity score rises with the number of
dialogue channels (institutions both sides sit in) and falls after hostile acts; it pulls priors toward
trust and raises empathy.
"""

from __future__ import annotations

import numpy as np


def liberal_threat_discount(democracy_i, democracy_j, switch):
    return 1.0 - switch * 0.6 * np.asarray(democracy_i) * np.asarray(democracy_j)


def liberal_harm_damping(voice, switch):
    return 1.0 - switch * 0.5 * voice


def identity_update(identity, channels, hostile_harm, switch):
    """Unchanged where the switch is off."""
    target = np.minimum(1.0, 0.2 * np.asarray(channels))
    new = identity + 0.05 * (target - identity) - 0.5 * np.maximum(0.0, hostile_harm)
    return np.where(np.asarray(switch) > 0, np.minimum(1.0, np.maximum(0.0, new)), identity)


def constructivist_prior(prior, identity, switch):
    return prior * (1.0 - 0.5 * switch * identity)


def constructivist_empathy(empathy, identity, switch):
    return np.minimum(1.0, empathy + 0.5 * switch * identity)
