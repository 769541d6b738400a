"""Small numeric helpers. ``clip`` is numpy's clip without the Python-level dispatch of ``np.clip``
(two ufunc calls), which matters for the many tiny arrays of one quarter's step."""

from __future__ import annotations

import numpy as np


def clip(x, lo, hi):
    """min(max(x, lo), hi), elementwise; scalars give numpy scalars."""
    return np.minimum(np.maximum(x, lo), hi)
