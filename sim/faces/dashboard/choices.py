"""The scenarios the dashboard offers, and how a name given on the command line or in the page is resolved.

Kept apart from ``app.py`` so that ``spiral dashboard`` can check a name without importing Solara.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from sim.model import DEFAULT_SCENARIO

COUNTERFACTUALS = DEFAULT_SCENARIO.parent / "counterfactuals"


class InputProblem(ValueError):
    """A value chosen in the dashboard that cannot be used; the message is one line."""


def scenario_catalogue() -> dict[str, Path]:
    """Scenario names the dashboard offers: ``historical`` and the stems of the counterfactual files."""
    found = {"historical": DEFAULT_SCENARIO}
    if COUNTERFACTUALS.is_dir():
        for path in sorted([*COUNTERFACTUALS.glob("*.yaml"), *COUNTERFACTUALS.glob("*.yml")]):
            found.setdefault(path.stem, path)
    return found


def scenario_path(name: str) -> Path:
    """The file of a scenario name (or a path to a scenario YAML); a one-line error otherwise."""
    catalogue = scenario_catalogue()
    name = str(name).strip()
    if name in catalogue:
        return catalogue[name]
    path = Path(name).expanduser()
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path
    close = difflib.get_close_matches(name, list(catalogue), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise InputProblem(f"unknown scenario {name!r}{hint}; choose one of {', '.join(catalogue)} or give a .yaml file")
