"""Counterfactual edits: the operations a scenario that ``extends:`` another may apply to it.

The same operations are available from YAML (an ``edits:`` list) and from Python
(:class:`Counterfactual`); both produce the same list of edit records and go through
:func:`apply_edits`, so a YAML counterfactual and its Python twin give identical scenarios
(equal :attr:`Scenario.hash`).

Operations (one key each):

- ``remove_event: ID`` or ``remove_event: [ID, ...]``
- ``remove_events: {kind: K, actor: A?, targets: [..]?, after: Q?, before: Q?}`` — every matching event
  (an error if none matches)
- ``move_event: {id: ID, date: Q}``
- ``set_event: {id: ID, field: NAME, value: V}`` — change one attribute (``kind`` too)
- ``add_event: {...}`` — a whole event record, as in ``events:``
- ``endogenous: ID`` — NATO decides this round by its own rule (M8) instead of the script
- ``set_state: {iso3: X, field: NAME, value: V}``
- ``set_alliance: {id: A, field: NAME, value: V}`` — e.g. NATO's ``rule`` or ``open_door``
- ``add_alliance: {...}`` — a whole alliance or institution record, as in ``alliances:``
- ``set_type: {actor: RUS|USA, type: security_seeker|order_revisionist|greedy_expansionist}``
- ``set_parameter: {name: P, value: V}``
- ``add_response: {...}`` — a whole response rule, as in ``responses:``
- ``remove_response: ID`` or ``remove_response: [ID, ...]``
- ``set_response: {id: ID, field: NAME, value: V}`` — change one field of a response rule

A record an edit changes is re-homed to the edit's file and line, so that a value the edit made invalid is
reported where the edit is written, not in the base file. Python edits carry the file and line of the
caller (the script or notebook cell that called the :class:`Counterfactual` method).
"""

from __future__ import annotations

import copy
import sys

from sim.calendar import parse_quarter
from sim.scenario.yamlsafe import LineDict, LineList, ScenarioError, nearest

EDIT_OPS = ("remove_event", "remove_events", "move_event", "set_event", "add_event", "endogenous",
            "set_state", "set_alliance", "add_alliance", "set_type", "set_parameter", "add_response",
            "remove_response", "set_response")
ENDOGENOUS_KINDS = ("invitation", "accession", "membership_pledge", "map_granted")  # NATO decisions (M8)
# keys each mapping-bodied operation takes (required first); add_event / add_alliance take a record
_KEYS = {"remove_events": (("kind",), ("actor", "targets", "after", "before")),
         "move_event": (("id", "date"), ()), "set_event": (("id", "field", "value"), ()),
         "set_state": (("iso3", "field", "value"), ()), "set_alliance": (("id", "field", "value"), ()),
         "set_type": (("actor", "type"), ()), "set_parameter": (("name", "value"), ()),
         "set_response": (("id", "field", "value"), ())}


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
    op = next(iter(edit))
    required, optional = _KEYS.get(op, (keys, ()))
    if not isinstance(body, dict):
        _fail(edit, f"edit {op!r} takes a mapping with {', '.join(required)}")
    for k in required:
        if k not in body:
            _fail(body if hasattr(body, "line") else edit, f"edit {op!r}: missing {k!r}")
    for k in body:
        if k not in required + optional:
            _fail(body if hasattr(body, "line") else edit,
                  f"edit {op!r}: unknown key {k!r}{nearest(k, required + optional)}")


def _rehome(records, rec, edit, body):
    """Replace ``rec`` in ``records`` by a copy located at the edit (errors in it then name the edit)."""
    f, line = _where(body if hasattr(body, "line") else edit)
    if line is None:
        f, line = _where(edit)
    new = LineDict(rec)
    new.file, new.line, new.key_lines = f, line or 0, {}
    records[next(i for i, r in enumerate(records) if r is rec)] = new
    return new


def apply_edits(raw: LineDict, edits) -> LineDict:
    """Apply edit records to a merged raw scenario (returns a new raw mapping)."""
    out = copy.copy(raw)
    for key in ("events", "states", "alliances", "responses"):
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
            from sim.scenario.schema import EVENT_KINDS
            if body["kind"] not in EVENT_KINDS:
                _fail(body, f"edit 'remove_events': unknown event kind {body['kind']!r}{nearest(body['kind'], EVENT_KINDS)}")
            try:
                after = parse_quarter(body["after"]) if "after" in body else None
                before = parse_quarter(body["before"]) if "before" in body else None
            except ValueError as exc:
                _fail(body, f"edit 'remove_events': bad date: {exc}")
            targets = set(body.get("targets", []))
            keep = []
            for rec in events:
                try:
                    q = parse_quarter(rec.get("date")) if rec.get("date") is not None else None
                except ValueError:
                    q = None  # the scenario's own validation reports it
                hit = rec.get("kind") == body["kind"]
                hit = hit and ("actor" not in body or rec.get("actor") == body["actor"])
                hit = hit and (after is None or (q is not None and q >= after))
                hit = hit and (before is None or (q is not None and q < before))
                if hit and targets:
                    tg = set(rec.get("targets") or rec.get("candidates") or [rec.get("target")])
                    hit = bool(tg & targets)
                if not hit:
                    keep.append(rec)
            if len(keep) == len(events):
                _fail(body, f"edit 'remove_events' matches no event ({', '.join(f'{k}: {v}' for k, v in body.items())})")
            events[:] = keep
        elif op == "move_event":
            _need(edit, body, "id", "date")
            rec = _rehome(events, _find(events, "id", body["id"], "event", edit), edit, body)
            rec["date"] = body["date"]
        elif op == "set_event":
            _need(edit, body, "id", "field", "value")
            rec = _rehome(events, _find(events, "id", body["id"], "event", edit), edit, body)
            rec[body["field"]] = body["value"]
        elif op == "add_event":
            events.append(body)
        elif op == "endogenous":
            rec = _find(events, "id", body, "event", edit)
            if rec.get("kind") not in ENDOGENOUS_KINDS or rec.get("actor") != "NATO":
                _fail(edit, f"edit 'endogenous': {body} is an event of kind {rec.get('kind')!r} by {rec.get('actor')}; only NATO's "
                            f"{', '.join(ENDOGENOUS_KINDS)} can be decided endogenously (M8)")
            rec = _rehome(events, rec, edit, edit)
            rec["endogenous"] = True
        elif op == "set_state":
            _need(edit, body, "iso3", "field", "value")
            states = out.get("states", [])
            rec = _rehome(states, _find(states, "iso3", body["iso3"], "state", edit), edit, body)
            rec[body["field"]] = body["value"]
        elif op == "set_alliance":
            _need(edit, body, "id", "field", "value")
            alliances = out.get("alliances", [])
            rec = _rehome(alliances, _find(alliances, "id", body["id"], "alliance", edit), edit, body)
            rec[body["field"]] = body["value"]
        elif op == "add_alliance":
            if not isinstance(body, dict) or "id" not in body:
                _fail(edit, "edit 'add_alliance' takes an alliance record with at least an id")
            alliances = out.setdefault("alliances", LineList())
            if any(isinstance(r, dict) and r.get("id") == body["id"] for r in alliances):
                _fail(body, f"edit 'add_alliance': alliance {body['id']!r} exists already (change it with set_alliance)")
            alliances.append(body)
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
        elif op == "add_response":
            if not isinstance(body, dict) or "id" not in body:
                _fail(edit, "edit 'add_response' takes a response rule with at least an id")
            responses = out.setdefault("responses", LineList())
            if any(isinstance(r, dict) and r.get("id") == body["id"] for r in responses):
                _fail(body, f"edit 'add_response': response {body['id']!r} exists already (change it with set_response)")
            responses.append(body)
        elif op == "remove_response":
            responses = out.get("responses", [])
            for rid in body if isinstance(body, list) else [body]:
                responses.remove(_find(responses, "id", rid, "response", edit))
        elif op == "set_response":
            _need(edit, body, "id", "field", "value")
            responses = out.get("responses", [])
            rec = _rehome(responses, _find(responses, "id", body["id"], "response", edit), edit, body)
            rec[body["field"]] = body["value"]
    return out


def _caller():
    """File and line of the first frame outside this module (where the user wrote the edit)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
    return (frame.f_code.co_filename, frame.f_lineno) if frame is not None else ("<python>", 0)


def _located(d: dict, file: str, line: int) -> LineDict:
    out = LineDict(d)
    out.file, out.line, out.key_lines = file, line, {}
    return out


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_plain(v) for v in x]
    return x


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
        f, line = _caller()
        if isinstance(body, dict):
            body = _located(body, f, line)
        self.edits.append(_located({op: body}, f, line))
        return self

    def remove_event(self, *ids: str):
        return self._add("remove_event", list(ids) if len(ids) > 1 else ids[0])

    def remove_events(self, kind: str, targets=None, after=None, before=None, actor=None):
        body = {"kind": kind}
        if actor:
            body["actor"] = actor
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

    def add_alliance(self, **record):
        return self._add("add_alliance", dict(record))

    def set_type(self, actor: str, type: str):  # noqa: A002 - the domain word
        return self._add("set_type", {"actor": actor, "type": type})

    def set_parameter(self, name: str, value):
        return self._add("set_parameter", {"name": name, "value": value})

    def add_response(self, **record):
        return self._add("add_response", dict(record))

    def remove_response(self, *ids: str):
        return self._add("remove_response", list(ids) if len(ids) > 1 else ids[0])

    def set_response(self, rule_id: str, field: str, value):
        return self._add("set_response", {"id": rule_id, "field": field, "value": value})

    def to_yaml(self, base_relative_to=None) -> str:
        import os

        import yaml
        base = self.base
        if base_relative_to:
            base = os.path.relpath(self.base, base_relative_to)
        doc = {"name": self.name, "description": self.description, "extends": base, "edits": _plain(self.edits)}
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)

    def build(self):
        from sim.scenario import load_raw_with_base, finish

        raw, files = load_raw_with_base(self.base)
        raw = copy.copy(raw)
        raw["name"] = self.name
        raw["description"] = self.description
        return finish(raw, self.edits, files)
