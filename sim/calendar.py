"""Quarterly calendar: dates like ``1999Q2`` and the step index of the model.

Step ``k`` (0-based) of a run simulates the quarter ``start + k``. Quarters are stored as integers
``year * 4 + (q - 1)`` so that arithmetic is exact.
"""

from __future__ import annotations

import re

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def parse_quarter(text: str | int) -> int:
    """``"1999Q2"`` -> absolute quarter number. Raises ValueError with a readable message."""
    if isinstance(text, int) and not isinstance(text, bool):
        # a bare year means its first quarter
        if 1800 <= text <= 2200:
            return text * 4
        raise ValueError(f"{text!r} is not a quarter like 1999Q2")
    m = _QUARTER.match(str(text).strip())
    if not m:
        raise ValueError(f"{text!r} is not a quarter like 1999Q2")
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def quarter_label(q: int) -> str:
    """Absolute quarter number -> ``"1999Q2"``."""
    return f"{q // 4}Q{q % 4 + 1}"


def quarter_year(q: int) -> float:
    """Absolute quarter number -> decimal year at the start of the quarter (1999Q2 -> 1999.25)."""
    return q / 4.0
