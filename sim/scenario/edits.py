"""Counterfactual edits: the operations a scenario that ``extends:`` another may apply to it.

The same operations are available from YAML (an ``edits:`` list) and from Python
(:class:`Counterfactual`); both produce the same list of edit records and go through
:func:`apply_edits`, so a YAML counterfactual and its Python twin give identical scenarios
(equal :attr:`Scenario.hash`).

Operations (one key each):

- ``remove_event: ID`` or ``remove_event: [ID, ...]``
- ``remove_events: {kind: K, targets: [..]?, after: Q?, before: Q?}`` — every matching event
- ``move_event: {id: ID, date: Q}``
- ``set_event: {id: ID, field: NAME, value: V}`` — change one attribute (``kind`` too)
- ``add_event: {...}`` — a whole event record, as in ``events:``
- ``endogenous: ID`` — NATO decides this round by its own rule (M8) instead of the script
- ``set_state: {iso3: X, field: NAME, value: V}``
- ``set_alliance: {id: A, field: NAME, value: V}`` — e.g. NATO's ``rule`` or ``open_door``
- ``set_type: {actor: RUS|USA, type: security_seeker|order_revisionist|greedy_expansionist}``
- ``set_parameter: {name: P, value: V}``
"""

from __future__ import annotations

import copy

from sim.calendar import parse_quarter
from sim.scenario.yamlsafe import LineDict, LineList, ScenarioError, nearest

EDIT_OPS = ("remove_event", "remove_events", "move_event", "set_event", "add_event", "endogenous",
            "set_state", "set_alliance", "set_type", "set_parameter")


def _where(obj):
    return getattr(obj, "file", "<python>"), getattr(obj, "line", None)


def _fail(obj, message):
    f, line = _where(obj)
    raise ScenarioError(f, line, message)


def _find(records, key, value, what, edit):
    for rec in records:
        if isinstance(rec, dict) and rec.get(key) == value:
            return rec
    names = [r.get(key) for r in records if isinstance(r, dict)]
    _fail(edit, f"edit names unknown {what} {value!r}{nearest(value, names)}")


def _need(edit, body, *keys):
    if not isinstance(body, dict):
        _fail(edit, f"edit {next(iter(edit))!r} takes a mapping with {', '.join(keys)}")
    for k in keys:
        if k not in body:
            _fail(body, f"edit {next(iter(edit))!r}: missing {k!r}")


def apply_edits(raw: LineDict, edits) -> LineDict:
    """Apply edit records to a merged raw scenario (returns a new raw mapping)."""
    out = copy.copy(raw)
    for key in ("events", "states", "alliances"):
        if key in out:
            lst = LineList(copy.copy(r) for r in out[key])
            lst.file, lst.line = getattr(out[key], "file", "<python>"), getattr(out[key], "line", 0)
            lst.item_lines = list(getattr(out[key], "item_lines", []))
            out[key] = lst
    events = out.setdefault("events", LineList())
    for edit in edits:
        if not isinstance(edit, dict) or len(edit) != 1:
            _fail(edit, "an edit is a mapping with exactly one operation: " + ", ".join(EDIT_OPS))
        (op, body), = edit.items()
        if op not in EDIT_OPS:
            _fail(edit, f"unknown edit {op!r}{nearest(op, EDIT_OPS)}")
        if op == "remove_event":
            for eid in body if isinstance(body, list) else [body]:
                rec = _find(events, "id", eid, "event", edit)
                events.remove(rec)
        elif op == "remove_events":
            _need(edit, body, "kind")
            after = parse_quarter(body["after"]) if "after" in body else None
            before = parse_quarter(body["before"]) if "before" in body else None
            targets = set(body.get("targets", []))
            keep = []
            for rec in events:
                q = parse_quarter(rec.get("date")) if rec.get("date") is not None else None
                hit = rec.get("kind") == body["kind"]
                hit = hit and (after is None or (q is not None and q >= after))
                hit = hit and (before is None or (q is not None and q < before))
                if hit and targets:
                    tg = set(rec.get("targets") or rec.get("candidates") or [rec.get("target")])
                    hit = bool(tg & targets)
                if not hit:
                    keep.append(rec)
            events[:] = keep
        elif op == "move_event":
            _need(edit, body, "id", "date")
            rec = _find(events, "id", body["id"], "event", edit)
            rec["date"] = body["date"]
        elif op == "set_event":
            _need(edit, body, "id", "field", "value")
            rec = _find(events, "id", body["id"], "event", edit)
            rec[body["field"]] = body["value"]
        elif op == "add_event":
            events.append(body)
        elif op == "endogenous":
            rec = _find(events, "id", body, "event", edit)
            rec["endogenous"] = True
        elif op == "set_state":
            _need(edit, body, "iso3", "field", "value")
            rec = _find(out.get("states", []), "iso3", body["iso3"], "state", edit)
            rec[body["field"]] = body["value"]
        elif op == "set_alliance":
            _need(edit, body, "id", "field", "value")
            rec = _find(out.get("alliances", []), "id", body["id"], "alliance", edit)
            rec[body["field"]] = body["value"]
        elif op == "set_type":
            _need(edit, body, "actor", "type")
            types = dict(out.get("types") or {})
            types[body["actor"]] = body["type"]
            td = LineDict(types)
            td.file, td.line = _where(body)
            td.key_lines = {k: td.line for k in types}
            out["types"] = td
        elif op == "set_parameter":
            _need(edit, body, "name", "value")
            params = LineDict(out.get("parameters") or {})
            params.file, params.line = _where(body)
            params.key_lines = {k: params.line for k in params}
            params[body["name"]] = body["value"]
            out["parameters"] = params
    return out


class Counterfactual:
    """Python twin of a YAML counterfactual: ``Counterfactual("scenarios/historical.yaml", name=...)``
    then chained edits, then :meth:`build`. Produces exactly the scenario the equivalent YAML gives.

    >>> cf = Counterfactual("scenarios/historical.yaml", name="no_kosovo").remove_event("kosovo_operation")
    >>> scenario = cf.build()
    """

    def __init__(self, base: str, name: str, description: str = ""):
        self.base, self.name, self.description = str(base), name, description
        self.edits: list[dict] = []

    def _add(self, op, body):
        self.edits.append({op: body})
        return self

    def remove_event(self, *ids: str):
        return self._add("remove_event", list(ids) if len(ids) > 1 else ids[0])

    def remove_events(self, kind: str, targets=None, after=None, before=None):
        body = {"kind": kind}
        if targets:
            body["targets"] = list(targets)
        if after:
            body["after"] = after
        if before:
            body["before"] = before
        return self._add("remove_events", body)

    def move_event(self, event_id: str, date: str):
        return self._add("move_event", {"id": event_id, "date": date})

    def set_event(self, event_id: str, field: str, value):
        return self._add("set_event", {"id": event_id, "field": field, "value": value})

    def add_event(self, **record):
        return self._add("add_event", dict(record))

    def endogenous(self, event_id: str):
        return self._add("endogenous", event_id)

    def set_state(self, iso3: str, field: str, value):
        return self._add("set_state", {"iso3": iso3, "field": field, "value": value})

    def set_alliance(self, alliance_id: str, field: str, value):
        return self._add("set_alliance", {"id": alliance_id, "field": field, "value": value})

    def set_type(self, actor: str, type: str):  # noqa: A002 - the domain word
        return self._add("set_type", {"actor": actor, "type": type})

    def set_parameter(self, name: str, value):
        return self._add("set_parameter", {"name": name, "value": value})

    def to_yaml(self, base_relative_to=None) -> str:
        import os

        import yaml
        base = self.base
        if base_relative_to:
            base = os.path.relpath(self.base, base_relative_to)
        doc = {"name": self.name, "description": self.description, "extends": base, "edits": self.edits}
        return yaml.safe_dump(doc, sort_keys=False)

    def build(self):
        from sim.scenario import load_raw_with_base, finish

        raw, files = load_raw_with_base(self.base)
        raw = copy.copy(raw)
        raw["name"] = self.name
        raw["description"] = self.description
        return finish(raw, self.edits, files)
