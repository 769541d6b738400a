"""Typed, validated descriptions of a world and its timeline (layer 1: data, no simulation logic).

Validation turns raw YAML (``LineDict`` / ``LineList`` from :mod:`sim.scenario.yamlsafe`) into frozen
dataclasses. Every problem is raised as a one-line :class:`ScenarioError` naming file, line and what is
wrong, with the nearest valid name for a misspelt one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from functools import cached_property

from sim.calendar import parse_quarter, quarter_label
from sim.scenario.yamlsafe import LineDict, LineList, ScenarioError, nearest

class MappingProxyType(dict):
    """A read-only dict that pickles (scenarios travel to worker processes)."""

    def _read_only(self, *args, **kwargs):
        raise TypeError("scenario data are read-only; edit a scenario with sim.scenario.Counterfactual")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _read_only

    def __reduce__(self):
        return (MappingProxyType, (dict(self),))


ROLES = ("russia", "leader", "state")
HISTORIES = ("soviet", "warsaw_pact", "yugoslav", "western", "neutral", "other")
ALLIANCE_KINDS = ("alliance", "institution", "union")
TYPES = ("security_seeker", "order_revisionist", "greedy_expansionist")

# Event kinds and their attributes. Type names: state, states, alliance, actor (state or alliance),
# bool, unit (a number in [0, 1]), fraction (a number in [-1, 1]), or a tuple of allowed words.
# A trailing '?' marks an optional attribute. No kind has a magnitude: effects come from the kind,
# these attributes and the actors' state (docs/theory.md §3).
EVENT_KINDS: dict[str, dict[str, object]] = {
    "enlargement_signal": {"actor": "alliance", "candidates": "states", "stage": ("intention", "study", "decision")},
    "invitation": {"actor": "alliance", "targets": "states"},
    "accession": {"actor": "alliance", "targets": "states"},
    "partnership_offer": {"actor": "alliance", "institution": "alliance", "targets": "states"},
    "institution_offer": {"actor": "actor", "institution": "alliance", "targets": "states"},
    "membership_pledge": {"actor": "alliance", "targets": "states"},
    "map_granted": {"actor": "alliance", "targets": "states"},
    "association_agreement": {"actor": "alliance", "targets": "states"},
    "eu_accession": {"actor": "alliance", "targets": "states"},
    "operation": {"actor": "actor", "target": "state?", "run_by": ("alliance", "coalition"),
                  "un_mandate": "bool", "regime_change": "bool"},
    "posture_change": {"actor": "actor", "component": ("missile_defence", "forward_presence", "abm_treaty"),
                       "change": ("plan", "deploy", "cancel", "withdraw"), "location": "states?"},
    "regime_change": {"target": "state", "direction": ("west", "east"), "democracy": "unit?"},
    "statehood_change": {"created": "states?", "dissolved": "states?", "unilateral": "bool?"},
    "common_threat": {"actors": "states"},
    "economic_shock": {"target": "state", "gdp_change": "fraction?"},
    "sanctions": {"actor": "actor", "target": "state"},
    "suspend_cooperation": {"actor": "alliance", "institution": "alliance", "targets": "states?"},
}
# Kinds the model must produce itself (docs/theory.md §5: "never scripted — it must emerge").
EMERGENT_KINDS = ("use_of_force", "coercion", "acceptance", "refusal", "proposal", "application", "arming")
CONDITION_KINDS = ("force_used", "coercion_used", "applied", "stance", "all", "any")
# NATO's decisions on the ladder: voted on (M8) when endogenous, scored against the vote rule when scripted,
# and the kinds a scripted decision *withheld* may take (``withheld: true``: scored, no effect).
DECISION_KINDS = ("invitation", "accession", "membership_pledge", "map_granted")
# Response rules (``responses:``): the Western answers to a Russian act in the run. A rule names the act
# (``answers``), the target's tie to NATO at the act (``tie``, ladder names; default any) and whether the
# target is in Russia's claimed sphere (``in_sphere``; default either), a lag in quarters, and a response of
# one of these kinds. Its states are roles, never names: ``by`` (the state that acted), ``against`` (the
# state it acted against). It carries no calendar window: it answers the act whenever it happens.
RESPONSE_ACTS = ("force", "coercion")
RESPONSE_KINDS = ("suspend_cooperation", "sanctions", "posture_change")
RESPONSE_ROLES = ("by", "against")
TIES = ("none", "partner", "aspirant", "pledged", "map", "invited", "member")  # sim.mechanisms.security.LADDER_NAMES
_CALENDAR_KEYS = ("date", "since", "latest", "until", "before", "after", "delay", "requires")


@dataclass(frozen=True)
class StateSpec:
    iso3: str
    name: str
    position: tuple[float, float]
    role: str
    exists_from: int | None
    exists_until: int | None
    gdp: float
    burden: float
    cinc: float
    democracy: float
    alignment: float
    prior_about_russia: float
    energy_dependence: float
    importance_to_russia: float
    history: str
    source: str


@dataclass(frozen=True)
class BorderSpec:
    a: str
    b: str
    km: float
    kind: str
    via: str = ""
    source: str = ""


@dataclass(frozen=True)
class AllianceSpec:
    id: str
    name: str
    kind: str
    leader: str | None
    members: tuple[str, ...]
    rule: str
    open_door: float
    voice: float
    requires_consent: bool
    source: str


@dataclass(frozen=True)
class ForceSpec:
    by: str
    host: str
    region: str
    since: int
    source: str


@dataclass(frozen=True)
class Condition:
    kind: str                       # one of CONDITION_KINDS
    by: str = "RUS"
    against: tuple[str, ...] = ()   # () means any
    since: int | None = None
    states: tuple[str, ...] = ()
    children: tuple["Condition", ...] = ()


@dataclass(frozen=True)
class EventSpec:
    id: str
    date: int
    kind: str
    attrs: MappingProxyType
    source: str
    requires: Condition | None = None
    delay: int = 0
    latest: int | None = None
    endogenous: bool = False
    withheld: bool = False          # a decision NATO did not take: scored against the vote rule, no effect
    origin: str = ""                # file:line, for messages

    def attr(self, name, default=None):
        return self.attrs.get(name, default)

    def targets(self) -> tuple[str, ...]:
        for key in ("targets", "candidates", "created", "actors"):
            if key in self.attrs and self.attrs[key]:
                return tuple(self.attrs[key])
        t = self.attrs.get("target")
        return (t,) if t else ()


@dataclass(frozen=True)
class ResponseSpec:
    """A response rule: the West answers a Russian act of kind ``act`` against a target whose tie to NATO
    is in ``tie`` (and whose place in Russia's sphere matches ``in_sphere``) ``lag`` quarters later, by an
    event of ``kind`` whose state attributes are roles (``by``, ``against``). A suspension with
    ``resume_after`` offers the suspended seat again that many quarters after it."""

    id: str
    act: str                        # one of RESPONSE_ACTS
    tie: tuple[str, ...]            # ladder names; () means any
    in_sphere: bool | None          # None means either
    lag: int                        # quarters after the act (>= 1: the engine's one-step lag)
    kind: str                       # one of RESPONSE_KINDS
    attrs: MappingProxyType
    source: str
    resume_after: int | None = None
    origin: str = ""                # file:line, for messages


@dataclass(frozen=True)
class Scenario:
    """A world plus a timeline plus parameter overrides. Immutable and picklable."""

    name: str
    description: str
    start: int
    end: int
    parameters: MappingProxyType
    states: tuple[StateSpec, ...]
    borders: tuple[BorderSpec, ...]
    alliances: tuple[AllianceSpec, ...]
    spheres: MappingProxyType
    forces: tuple[ForceSpec, ...]
    gdp_paths: MappingProxyType
    burden_paths: MappingProxyType
    events: tuple[EventSpec, ...]
    type_overrides: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    responses: tuple[ResponseSpec, ...] = ()
    files: tuple[str, ...] = ()
    # iso3 -> annual growth continuing a GDP path after its last year (rule T1, docs/economy.md)
    gdp_trend: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    @property
    def n_steps(self) -> int:
        return self.end - self.start + 1

    @property
    def iso3s(self) -> tuple[str, ...]:
        return tuple(s.iso3 for s in self.states)

    def state(self, iso3: str) -> StateSpec:
        for s in self.states:
            if s.iso3 == iso3:
                return s
        raise KeyError(iso3)

    def event(self, event_id: str) -> EventSpec:
        for e in self.events:
            if e.id == event_id:
                return e
        raise KeyError(event_id)

    def response(self, rule_id: str) -> ResponseSpec:
        for r in self.responses:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def to_dict(self) -> dict:
        """Canonical plain-data form (no provenance): equal scenarios give equal dicts."""
        def plain(x):
            if isinstance(x, MappingProxyType | dict):
                return {str(k): plain(v) for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
            if isinstance(x, tuple | list):
                return [plain(v) for v in x]
            if hasattr(x, "__dataclass_fields__"):
                return plain({k: getattr(x, k) for k in x.__dataclass_fields__ if k != "origin"})
            return x
        d = {k: plain(getattr(self, k)) for k in self.__dataclass_fields__ if k != "files"}
        return d

    @cached_property
    def hash(self) -> str:
        """Content hash of the scenario (independent of file layout and provenance)."""
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def __hash__(self) -> int:
        return hash(self.hash)

    def __eq__(self, other) -> bool:
        return isinstance(other, Scenario) and self.hash == other.hash


# ---------------------------------------------------------------- validation helpers

class _V:
    """Validation context for one record."""

    def __init__(self, rec, what: str):
        if not isinstance(rec, dict):
            f, line = getattr(rec, "file", None), getattr(rec, "line", None)
            raise ScenarioError(f, line, f"{what} must be a mapping, got {type(rec).__name__}")
        self.rec, self.what = rec, what
        self.file = getattr(rec, "file", "<python>")

    def line(self, key=None) -> int | None:
        if key is not None and isinstance(self.rec, LineDict):
            return self.rec.line_of(key)
        return getattr(self.rec, "line", None)

    def fail(self, key, message):
        raise ScenarioError(self.file, self.line(key), message)

    def get(self, key, kind, default=..., allowed=None, lo=None, hi=None):
        if key not in self.rec or self.rec[key] is None and default is not ...:
            if default is ...:
                self.fail(None, f"{self.what}: missing field {key!r}")
            return default
        v = self.rec[key]
        if kind is float:
            if isinstance(v, bool) or not isinstance(v, int | float):
                self.fail(key, f"{self.what}: {key!r} must be a number, got {v!r}")
            v = float(v)
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                self.fail(key, f"{self.what}: {key!r} = {v} is outside [{lo}, {hi}]")
        elif kind is bool:
            if not isinstance(v, bool):
                self.fail(key, f"{self.what}: {key!r} must be true or false, got {v!r}")
        elif kind is str:
            if not isinstance(v, str) or not v.strip():
                self.fail(key, f"{self.what}: {key!r} must be a non-empty string, got {v!r}")
            if allowed is not None and v not in allowed:
                self.fail(key, f"{self.what}: {key!r} = {v!r} is not one of {', '.join(allowed)}{nearest(v, allowed)}")
        elif kind == "quarter":
            try:
                v = parse_quarter(v)
            except ValueError as exc:
                self.fail(key, f"{self.what}: bad date: {exc}")
        elif kind is list:
            if not isinstance(v, list):
                self.fail(key, f"{self.what}: {key!r} must be a list, got {v!r}")
        return v

    def no_unknown(self, known):
        for k in self.rec:
            if k not in known:
                self.fail(k, f"{self.what}: unknown field {k!r}{nearest(k, known)}")

    def state(self, key, iso3s, v=None):
        v = self.rec[key] if v is None else v
        if not isinstance(v, str) or v not in iso3s:
            self.fail(key, f"{self.what}: unknown state {v!r}{nearest(v, iso3s)}")
        return v

    def states(self, key, iso3s):
        v = self.get(key, list)
        return tuple(self.state(key, iso3s, x) for x in v)


def _state(rec) -> StateSpec:
    v = _V(rec, f"state {rec.get('iso3', '?') if isinstance(rec, dict) else '?'}")
    known = ("iso3", "name", "position", "role", "exists", "gdp", "burden", "cinc", "democracy", "alignment",
             "prior_about_russia", "energy_dependence", "importance_to_russia", "history", "source", "note")
    v.no_unknown(known)
    iso3 = v.get("iso3", str)
    if len(iso3) != 3 or not iso3.isupper():
        v.fail("iso3", f"state iso3 {iso3!r} must be three capital letters")
    pos = v.get("position", list)
    if len(pos) != 2 or not all(isinstance(p, int | float) and not isinstance(p, bool) for p in pos):
        v.fail("position", f"state {iso3}: position must be [longitude, latitude]")
    exists = v.get("exists", dict, default=None) if "exists" in rec else None
    ef = eu = None
    if exists is not None:
        ev = _V(exists, f"state {iso3} exists")
        ev.no_unknown(("from", "until"))
        ef = ev.get("from", "quarter", default=None)
        eu = ev.get("until", "quarter", default=None)
    return StateSpec(
        iso3=iso3, name=v.get("name", str), position=(float(pos[0]), float(pos[1])),
        role=v.get("role", str, allowed=ROLES), exists_from=ef, exists_until=eu,
        gdp=v.get("gdp", float, lo=0.0), burden=v.get("burden", float, lo=0.0, hi=100.0),
        cinc=v.get("cinc", float, lo=0.0, hi=1.0), democracy=v.get("democracy", float, lo=0.0, hi=1.0),
        alignment=v.get("alignment", float, lo=-1.0, hi=1.0),
        prior_about_russia=v.get("prior_about_russia", float, lo=0.0, hi=1.0),
        energy_dependence=v.get("energy_dependence", float, default=0.0, lo=0.0, hi=1.0),
        importance_to_russia=v.get("importance_to_russia", float, default=0.0, lo=0.0, hi=1.0),
        history=v.get("history", str, default="other", allowed=HISTORIES),
        source=v.get("source", str),
    )


def _condition(raw, iso3s, what) -> Condition:
    v = _V(raw, what)
    if len(raw) != 1:
        v.fail(None, f"{what}: a condition has exactly one key, one of {', '.join(CONDITION_KINDS)}")
    (kind, body), = raw.items()
    if kind not in CONDITION_KINDS:
        v.fail(kind, f"{what}: unknown condition {kind!r}{nearest(kind, CONDITION_KINDS)}")
    if kind in ("all", "any"):
        if not isinstance(body, list) or not body:
            v.fail(kind, f"{what}: {kind!r} takes a non-empty list of conditions")
        return Condition(kind=kind, children=tuple(_condition(c, iso3s, what) for c in body))
    if kind == "applied":
        if not isinstance(body, list):
            v.fail(kind, f"{what}: 'applied' takes a list of states")
        return Condition(kind=kind, states=tuple(v.state(kind, iso3s, s) for s in body))
    b = _V(body, f"{what} {kind}")
    if kind == "stance":
        b.no_unknown(("by", "toward", "stance"))
        return Condition(kind=kind, by=b.state("by", iso3s) if "by" in body else "RUS",
                         states=(b.get("stance", str, allowed=("defect", "cooperate")),))
    b.no_unknown(("by", "against", "since"))
    by = b.state("by", iso3s) if "by" in body else "RUS"
    against = body.get("against", "any")
    if against == "any":
        against = ()
    elif isinstance(against, list):
        against = tuple(b.state("against", iso3s, s) for s in against)
    else:
        b.fail("against", f"{what}: 'against' must be a list of states or 'any'")
    since = b.get("since", "quarter", default=None)
    return Condition(kind=kind, by=by, against=against, since=since)


def _event(rec, iso3s, alliance_ids, start, end) -> EventSpec:
    eid = rec.get("id", "?") if isinstance(rec, dict) else "?"
    v = _V(rec, f"event {eid}")
    eid = v.get("id", str)
    kind = v.get("kind", str)
    if kind in EMERGENT_KINDS:
        v.fail("kind", f"event {eid}: kind {kind!r} must emerge from the model and cannot be scripted "
                       f"(docs/theory.md §5)")
    if kind not in EVENT_KINDS:
        v.fail("kind", f"event {eid}: unknown event kind {kind!r}{nearest(kind, EVENT_KINDS)}")
    date = v.get("date", "quarter")
    if not start <= date <= end:
        v.fail("date", f"event {eid}: date {quarter_label(date)} is outside the run "
                       f"{quarter_label(start)}..{quarter_label(end)}")
    schema = EVENT_KINDS[kind]
    common = ("id", "date", "kind", "source", "requires", "delay", "latest", "endogenous", "withheld", "note")
    v.no_unknown(tuple(schema) + common)
    attrs = _attributes(v, rec, schema, iso3s, alliance_ids, f"event {eid}", kind)
    requires = _condition(rec["requires"], iso3s, f"event {eid} requires") if rec.get("requires") else None
    latest = v.get("latest", "quarter", default=None)
    delay = int(v.get("delay", float, default=0.0, lo=0, hi=400))
    withheld = v.get("withheld", bool, default=False)
    if withheld and (kind not in DECISION_KINDS or attrs.get("actor") != "NATO"):
        v.fail("withheld", f"event {eid}: only NATO's decisions ({', '.join(DECISION_KINDS)}) can be withheld, "
                           f"not a {kind} by {attrs.get('actor', '?')}")
    if withheld and requires is not None:
        v.fail("withheld", f"event {eid}: a withheld decision is part of the record; it cannot be conditional")
    return EventSpec(
        id=eid, date=date, kind=kind, attrs=MappingProxyType(attrs), source=v.get("source", str),
        requires=requires, delay=delay, latest=latest,
        endogenous=v.get("endogenous", bool, default=False), withheld=withheld,
        origin=f"{v.file}:{v.line()}",
    )


def _attributes(v: "_V", rec, schema, iso3s, alliance_ids, what, kind, roles=None) -> dict:
    """The attributes of an event kind (``schema``), validated. With ``roles`` (a response rule), state
    attributes take role words instead of states: a state named there is refused."""
    attrs = {}
    actors = set(iso3s) | set(alliance_ids)

    def one_state(key, x):
        if roles is None:
            return v.state(key, iso3s, x)
        if x in roles:
            return x
        if isinstance(x, str) and x in iso3s:
            v.fail(key, f"{what}: {key!r} names the state {x!r}; a response rule names roles "
                        f"({', '.join(roles)}), never a state")
        v.fail(key, f"{what}: {key!r} = {x!r} is not a role ({', '.join(roles)}){nearest(x, roles)}")

    for key, typ in schema.items():
        optional = isinstance(typ, str) and typ.endswith("?")
        t = typ[:-1] if optional else typ
        if key not in rec or rec[key] is None:
            if not optional:
                v.fail(None, f"{what} ({kind}): missing field {key!r}")
            continue
        val = rec[key]
        if isinstance(t, tuple):
            val = v.get(key, str, allowed=t)
        elif t == "state":
            val = one_state(key, val)
        elif t == "states":
            val = tuple(one_state(key, x) for x in v.get(key, list))
        elif t == "alliance":
            if val not in alliance_ids:
                v.fail(key, f"{what}: unknown alliance or institution {val!r}{nearest(val, alliance_ids)}")
        elif t == "actor":
            if val not in actors:
                v.fail(key, f"{what}: unknown actor {val!r}{nearest(val, actors)}")
        elif t == "bool":
            val = v.get(key, bool)
        elif t == "unit":
            val = v.get(key, float, lo=0.0, hi=1.0)
        elif t == "fraction":
            val = v.get(key, float, lo=-1.0, hi=1.0)
        attrs[key] = val
    return attrs


def _response(rec, iso3s, alliance_ids) -> ResponseSpec:
    rid = rec.get("id", "?") if isinstance(rec, dict) else "?"
    v = _V(rec, f"response {rid}")
    rid = v.get("id", str)
    what = f"response {rid}"
    for key in rec:
        if key in _CALENDAR_KEYS:
            v.fail(key, f"{what}: a response rule has no calendar window or condition ({key!r}): it answers the "
                        f"act whenever it happens in the run, after its 'lag'")
    kind = v.get("kind", str)
    if kind not in RESPONSE_KINDS:
        hint = f" ({kind!r} is an event kind, not a response)" if kind in EVENT_KINDS else nearest(kind, RESPONSE_KINDS)
        v.fail("kind", f"{what}: kind {kind!r} is not one of {', '.join(RESPONSE_KINDS)}{hint}")
    schema = EVENT_KINDS[kind]
    common = ("id", "answers", "tie", "in_sphere", "lag", "kind", "resume_after", "source", "note")
    v.no_unknown(tuple(schema) + common)
    act = v.get("answers", str, allowed=RESPONSE_ACTS)
    tie = ()
    if rec.get("tie") is not None:
        raw = v.get("tie", list)
        for x in raw:
            if x not in TIES:
                where = x if isinstance(x, str) and x in iso3s else None
                if where:
                    v.fail("tie", f"{what}: 'tie' names the state {x!r}; a rule answers by the target's tie to "
                                  f"NATO ({', '.join(TIES)}), never a named target")
                v.fail("tie", f"{what}: unknown tie {x!r}{nearest(x, TIES)} (one of {', '.join(TIES)})")
        tie = tuple(raw)
    in_sphere = v.get("in_sphere", bool, default=None)
    lag = v.get("lag", float, lo=1, hi=40)
    if lag != int(lag):
        v.fail("lag", f"{what}: 'lag' must be a whole number of quarters, got {lag}")
    attrs = _attributes(v, rec, schema, iso3s, alliance_ids, what, kind, roles=RESPONSE_ROLES)
    resume = v.get("resume_after", float, default=None, lo=1, hi=40)
    if resume is not None and (kind != "suspend_cooperation" or resume != int(resume)):
        v.fail("resume_after", f"{what}: 'resume_after' (whole quarters) belongs to a suspend_cooperation rule")
    return ResponseSpec(id=rid, act=act, tie=tie, in_sphere=in_sphere, lag=int(lag), kind=kind,
                        attrs=MappingProxyType(attrs), source=v.get("source", str),
                        resume_after=None if resume is None else int(resume), origin=f"{v.file}:{v.line()}")


def build_scenario(raw: LineDict, files: tuple[str, ...] = ()) -> Scenario:
    """Validate a merged raw scenario (after ``extends`` and ``edits``) into a :class:`Scenario`."""
    top = _V(raw, "scenario")
    top.no_unknown(("name", "description", "extends", "period", "parameters", "states", "borders", "alliances",
                    "spheres", "forces_abroad", "economy", "events", "responses", "edits", "types"))
    name = top.get("name", str)
    period = _V(top.get("period", dict), "period")
    start, end = period.get("start", "quarter"), period.get("end", "quarter")
    if end < start:
        period.fail("end", "period: end is before start")

    states_raw = top.get("states", list)
    states, seen = [], {}
    for i, rec in enumerate(states_raw):
        s = _state(rec)
        if s.iso3 in seen:
            raise ScenarioError(getattr(rec, "file", None), getattr(rec, "line", None), f"duplicate state {s.iso3}")
        seen[s.iso3] = s
        states.append(s)
    iso3s = tuple(seen)
    roles = [s.role for s in states]
    for role in ("russia", "leader"):
        if roles.count(role) != 1:
            top.fail("states", f"scenario needs exactly one state with role {role!r}, found {roles.count(role)}")

    borders = []
    for rec in top.get("borders", list, default=LineList()):
        v = _V(rec, "border")
        v.no_unknown(("a", "b", "km", "kind", "via", "source", "note"))
        a, b = v.state("a", iso3s), v.state("b", iso3s)
        if a == b:
            v.fail("b", f"border {a}-{b}: a state cannot border itself")
        borders.append(BorderSpec(a=a, b=b, km=v.get("km", float, lo=0.0),
                                  kind=v.get("kind", str, default="land", allowed=("land", "sea")),
                                  via=v.get("via", str, default=""), source=v.get("source", str, default="")))

    alliances_raw = top.get("alliances", list)
    alliance_ids = tuple(r.get("id") for r in alliances_raw if isinstance(r, dict))
    alliances = []
    for rec in alliances_raw:
        v = _V(rec, f"alliance {rec.get('id', '?')}")
        v.no_unknown(("id", "name", "kind", "leader", "members", "rule", "open_door", "voice",
                      "requires_consent", "source", "note"))
        aid = v.get("id", str)
        if aid in iso3s:
            v.fail("id", f"alliance id {aid!r} collides with a state's iso3")
        alliances.append(AllianceSpec(
            id=aid, name=v.get("name", str, default=aid),
            kind=v.get("kind", str, allowed=ALLIANCE_KINDS),
            leader=v.state("leader", iso3s) if rec.get("leader") else None,
            members=v.states("members", iso3s) if rec.get("members") else (),
            rule=v.get("rule", str, default="consensus", allowed=("consensus", "majority")),
            open_door=v.get("open_door", float, default=0.5, lo=0.0, hi=1.0),
            voice=v.get("voice", float, default=0.0, lo=0.0, hi=1.0),
            requires_consent=v.get("requires_consent", bool, default=False),
            source=v.get("source", str, default=""),
        ))
    if len(set(alliance_ids)) != len(alliance_ids):
        top.fail("alliances", "duplicate alliance id")
    if "NATO" not in alliance_ids:
        top.fail("alliances", "the scenario needs an alliance with id NATO")

    spheres = {}
    sph = top.get("spheres", dict, default=LineDict())
    for owner, members in sph.items():
        sv = _V(sph, "spheres")
        sv.state(owner, iso3s, owner)
        if not isinstance(members, list):
            sv.fail(owner, f"spheres: {owner} must list states")
        spheres[owner] = tuple(sv.state(owner, iso3s, m) for m in members)

    forces = []
    for rec in top.get("forces_abroad", list, default=LineList()):
        v = _V(rec, "forces_abroad entry")
        v.no_unknown(("by", "in", "region", "since", "source", "note"))
        forces.append(ForceSpec(by=v.state("by", iso3s), host=v.state("in", iso3s),
                                region=v.get("region", str, default=""), since=v.get("since", "quarter"),
                                source=v.get("source", str, default="")))

    econ = _V(top.get("economy", dict, default=LineDict()), "economy")
    econ.no_unknown(("source", "gdp", "burden", "trend_growth", "note"))
    paths = {}
    for key in ("gdp", "burden"):
        table = econ.get(key, dict, default=LineDict())
        tv = _V(table, f"economy.{key}")
        out = {}
        for iso, series in table.items():
            tv.state(iso, iso3s, iso)
            sv = _V(series, f"economy.{key}.{iso}")
            pts = {}
            for year, val in series.items():
                if not isinstance(year, int) or isinstance(year, bool):
                    sv.fail(year, f"economy.{key}.{iso}: year {year!r} must be an integer")
                if isinstance(val, bool) or not isinstance(val, int | float) or val < 0:
                    sv.fail(year, f"economy.{key}.{iso}.{year}: value must be a non-negative number, got {val!r}")
                pts[int(year)] = float(val)
            out[iso] = MappingProxyType(dict(sorted(pts.items())))
        paths[key] = MappingProxyType(out)
    trend = {}
    table = econ.get("trend_growth", dict, default=LineDict())
    tv = _V(table, "economy.trend_growth")
    for iso, val in table.items():
        tv.state(iso, iso3s, iso)
        if isinstance(val, bool) or not isinstance(val, int | float) or not -0.5 < val < 0.5:
            tv.fail(iso, f"economy.trend_growth.{iso}: an annual growth rate between -0.5 and 0.5, got {val!r}")
        if iso not in paths["gdp"]:
            tv.fail(iso, f"economy.trend_growth.{iso}: continues a GDP path, but economy.gdp has none for {iso}")
        trend[iso] = float(val)

    events, ids = [], set()
    for rec in top.get("events", list, default=LineList()):
        e = _event(rec, iso3s, alliance_ids, start, end)
        if e.id in ids:
            raise ScenarioError(getattr(rec, "file", None), getattr(rec, "line", None), f"duplicate event id {e.id!r}")
        ids.add(e.id)
        events.append(e)
    events.sort(key=lambda e: e.date)  # stable: within a quarter, events keep their order in the file

    responses, rids = [], set()
    for rec in top.get("responses", list, default=LineList()):
        r = _response(rec, iso3s, alliance_ids)
        if r.id in rids or r.id in ids:
            what = "response" if r.id in rids else "id (an event has it)"
            raise ScenarioError(getattr(rec, "file", None), getattr(rec, "line", None), f"duplicate {what} {r.id!r}")
        rids.add(r.id)
        responses.append(r)

    types = {}
    tr = top.get("types", dict, default=LineDict())
    tv = _V(tr, "types")
    for actor, typ in tr.items():
        tv.state(actor, iso3s, actor)
        if typ not in TYPES:
            tv.fail(actor, f"types: {actor}: unknown type {typ!r}{nearest(typ, TYPES)}")
        types[actor] = typ

    from sim.params import validate_overrides  # late import: params are layer-2 names, checked here

    params = dict(top.get("parameters", dict, default=LineDict()))
    validate_overrides(params, raw.get("parameters"), top.file)

    return Scenario(
        name=name, description=str(raw.get("description", "")), start=start, end=end,
        parameters=MappingProxyType(params), states=tuple(states), borders=tuple(borders),
        alliances=tuple(alliances), spheres=MappingProxyType(spheres), forces=tuple(forces),
        gdp_paths=paths["gdp"], burden_paths=paths["burden"], events=tuple(events),
        type_overrides=MappingProxyType(types), responses=tuple(responses), files=files,
        gdp_trend=MappingProxyType(trend),
    )


def scenario_summary(s: Scenario) -> dict:
    return {"name": s.name, "hash": s.hash, "start": quarter_label(s.start), "end": quarter_label(s.end),
            "states": len(s.states), "events": len(s.events), "responses": len(s.responses)}


__all__ = ["Scenario", "StateSpec", "BorderSpec", "AllianceSpec", "ForceSpec", "EventSpec", "Condition",
           "ResponseSpec", "build_scenario", "EVENT_KINDS", "EMERGENT_KINDS", "DECISION_KINDS", "RESPONSE_KINDS",
           "TYPES", "asdict", "scenario_summary"]
