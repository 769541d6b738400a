"""Scenarios: a world plus a timeline, loaded from YAML (``extends:`` overlays, ``edits:``).

>>> from sim.scenario import load_scenario
>>> s = load_scenario("scenarios/historical.yaml")
"""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

from sim.scenario.edits import Counterfactual, apply_edits
from sim.scenario.schema import (DECISION_KINDS, EMERGENT_KINDS, EVENT_KINDS, RESPONSE_KINDS, TYPES, AllianceSpec,
                                 BorderSpec, Condition, EventSpec, ForceSpec, ResponseSpec, Scenario, StateSpec,
                                 build_scenario)
from sim.scenario.yamlsafe import LineDict, LineList, ScenarioError, load_yaml, nearest

# record lists merged by key when one file extends another
_KEYED = {"states": ("iso3",), "borders": ("a", "b"), "alliances": ("id",), "forces_abroad": ("by", "in"),
          "events": ("id",), "responses": ("id",)}


def _record_key(rec, fields):
    if not isinstance(rec, dict):
        return id(rec)
    vals = tuple(rec.get(f) for f in fields)
    if fields == ("a", "b"):
        vals = tuple(sorted(str(v) for v in vals))
    return vals


def _merge(base, over):
    """Merge an extending file's raw mapping over its base's."""
    out = copy.copy(base)
    for key, val in over.items():
        if key in ("extends", "edits"):
            continue
        if key in _KEYED and isinstance(val, list) and isinstance(base.get(key), list):
            merged = LineList(base[key])
            merged.file, merged.line = getattr(base[key], "file", ""), getattr(base[key], "line", 0)
            index = {_record_key(r, _KEYED[key]): i for i, r in enumerate(merged)}
            for rec in val:
                k = _record_key(rec, _KEYED[key])
                if k in index:
                    merged[index[k]] = rec
                else:
                    index[k] = len(merged)
                    merged.append(rec)
            out[key] = merged
        elif isinstance(val, dict) and isinstance(base.get(key), dict):
            out[key] = _merge(base[key], val)
            for attr in ("file", "line", "key_lines"):
                if hasattr(val, attr):
                    setattr(out[key], attr, getattr(val, attr))
        else:
            out[key] = val
    if isinstance(out, LineDict) and hasattr(over, "key_lines"):
        out.key_lines = {**getattr(base, "key_lines", {}), **over.key_lines}
        out.file, out.line = over.file, over.line
    return out


@lru_cache(maxsize=128)
def _parse(path: str, mtime_ns: int):
    return load_yaml(path)


def _parse_file(path: Path):
    """Parse a file once per modification (the world file is shared by every counterfactual); callers
    never mutate what this returns (edits work on copies)."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        return load_yaml(path)  # gives the one-line 'file not found'
    return _parse(str(path), mtime)


# the top-level fields of a scenario file (schema.build_scenario validates them; a file reached through
# ``extends:`` with any other field is not a scenario, and the error names the file that referred to it)
_TOP_FIELDS = ("name", "description", "extends", "period", "parameters", "states", "borders", "alliances",
               "spheres", "forces_abroad", "economy", "events", "responses", "edits", "types")
_SUFFIXES = (".yaml", ".yml")


def _closest(name: str, names: list[str]) -> str | None:
    import difflib
    match = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    return match[0] if match else None


def nearest_path(path: str | Path) -> Path | None:
    """The existing path nearest to one that does not exist: each missing part is replaced by the nearest
    name in its folder, YAML files first (``scenarios/historical.yml`` -> ``scenarios/historical.yaml``);
    ``None`` when nothing is close."""
    p = Path(path)
    here = Path(p.anchor) if p.is_absolute() else Path()
    parts = p.parts[1:] if p.is_absolute() else p.parts
    changed = False
    for i, part in enumerate(parts):
        cand = here / part
        if part not in (".", "..") and not cand.exists():
            try:
                names = sorted(c.name for c in here.iterdir() if not c.name.startswith("."))
            except OSError:
                return None
            if i == len(parts) - 1:  # the file itself: a YAML file of the same stem first
                stem = Path(part).stem
                same = [n for n in names if Path(n).stem == stem and Path(n).suffix in _SUFFIXES]
                names = same or names
            match = _closest(part, names)
            if match is None:
                return None
            cand, changed = here / match, True
        here = cand
    return here if changed and here.exists() else None


def path_hint(path: str | Path) -> str:
    """A ' (did you mean ...?)' suffix for a path that does not exist ('' when nothing is close)."""
    near = nearest_path(path)
    return f" (did you mean {str(near)!r}?)" if near is not None else ""


def _not_a_scenario(exc: ScenarioError, via) -> ScenarioError:
    """The same error, naming the file whose ``extends:`` led here."""
    return ScenarioError(exc.file, exc.line, f"{exc.message} (reached through extends: at {via[0]}:{via[1]})")


def _load_chain(path: Path, stack: tuple[str, ...], via: tuple[str, int] | None = None):
    path = path.resolve()
    if str(path) in stack:
        chain = " -> ".join(Path(p).name for p in (*stack, str(path)))
        raise ScenarioError(stack[-1], None, f"circular extends: {chain}")
    try:
        raw = _parse_file(path)
    except ScenarioError as exc:
        if via is None:
            raise
        raise _not_a_scenario(exc, via) from None
    if not isinstance(raw, dict):
        err = ScenarioError(path, 1, "a scenario file must be a mapping at the top level")
        raise (err if via is None else _not_a_scenario(err, via))
    if via is not None:
        for key in raw:
            if key not in _TOP_FIELDS:
                raise _not_a_scenario(ScenarioError(path, raw.line_of(key), f"not a scenario (scenarios have no field "
                                                    f"{key!r})"), via)
    files = (str(path),)
    edits = []
    if raw.get("extends") is not None:
        ext = raw["extends"]
        if not isinstance(ext, str):
            raise ScenarioError(path, raw.line_of("extends"), "extends: must be a relative path to a YAML file")
        base_path = (path.parent / ext)
        if not base_path.exists():
            near = nearest_path(base_path)
            # the suggestion as it would be written in the extends: line (relative to this file's folder)
            hint = f" (did you mean {str(Path(ext).parent / near.name)!r}?)" if near is not None and \
                near.parent.resolve() == base_path.parent.resolve() else (f" (did you mean {str(near)!r}?)" if near else "")
            raise ScenarioError(path, raw.line_of("extends"), f"extends: file not found: {ext}{hint}")
        base, base_files, base_edits = _load_chain(base_path, (*stack, str(path)), (str(path), raw.line_of("extends")))
        # base edits are applied to the base before this file's content is merged
        if base_edits:
            base = apply_edits(base, base_edits)
        raw_merged = _merge(base, raw)
        files = base_files + files
    else:
        raw_merged = raw
    if raw.get("edits") is not None:
        if "extends" not in raw:
            raise ScenarioError(path, raw.line_of("edits"), "edits: only make sense in a file that extends another")
        if not isinstance(raw["edits"], list):
            raise ScenarioError(path, raw.line_of("edits"), "edits: must be a list of edit operations")
        edits = list(raw["edits"])
    return raw_merged, files, edits


def load_raw_with_base(path) -> tuple[LineDict, tuple[str, ...]]:
    raw, files, edits = _load_chain(Path(path), ())
    if edits:
        raw = apply_edits(raw, edits)
    return raw, files


def finish(raw, edits, files) -> Scenario:
    if edits:
        raw = apply_edits(raw, edits)
    return build_scenario(raw, files)


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file (following ``extends:`` and applying ``edits:``).

    Raises :class:`ScenarioError` whose message is one line: ``file:line: problem``.
    """
    p = Path(path)
    if not p.exists():
        raise ScenarioError(p, None, f"scenario file not found{path_hint(p)}")
    raw, files, edits = _load_chain(p, ())
    return finish(raw, edits, files)


def until(scenario: Scenario, end: str | int) -> Scenario:
    """The same scenario ending at quarter ``end`` (e.g. "2013Q4"): the training window of docs/theory.md §6,
    so that nothing after it is even simulated. Events after ``end`` are dropped."""
    import dataclasses

    from sim.calendar import parse_quarter

    q = parse_quarter(end) if isinstance(end, str) else int(end)
    if not scenario.start <= q <= scenario.end:
        raise ScenarioError(None, None, f"end {end} lies outside the scenario's period")
    return dataclasses.replace(scenario, end=q, events=tuple(e for e in scenario.events if e.date <= q))


__all__ = ["load_scenario", "until", "Scenario", "StateSpec", "BorderSpec", "AllianceSpec", "ForceSpec", "EventSpec",
           "Condition", "ResponseSpec", "ScenarioError", "Counterfactual", "EVENT_KINDS", "EMERGENT_KINDS",
           "DECISION_KINDS", "RESPONSE_KINDS", "TYPES"]
