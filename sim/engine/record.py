"""Recording a batch (the engine): observables, per-state tables and beliefs in preallocated ``[R, T]`` and
``[R, T, N]`` arrays; the event log and the M8 decision log as columns (run, step, kind, actor, target,
scripted, cause, event id)."""

from __future__ import annotations

import numpy as np

from sim.engine.state import NEVER, Batch, State
from sim.mechanisms import arming, observables, threat
from sim.mechanisms.security import MEMBER

OBSERVABLES = ("tension", "tension_russia", "trust_russia_in_nato", "trust_nato_in_russia", "centrality",
               "russia_expected_centrality", "russia_voice", "nato_members", "russia_burden", "us_burden",
               "nato_europe_burden", "russia_capability", "russia_military_spending", "capability_ratio",
               "russia_insecurity",
               "russia_insecurity_military", "russia_insecurity_status", "russia_insecurity_sphere",
               "russia_insecurity_regime", "russia_stance", "nato_stance", "russia_coercing", "richardson_margin",
               "regime", "russia_belief_west_revisionist", "russia_belief_west_greedy",
               "nato_belief_russia_revisionist", "nato_belief_russia_greedy", "russia_expects_atrophy")
INTEGER_OBSERVABLES = ("nato_members", "russia_stance", "nato_stance", "russia_coercing")
STATE_VARIABLES = ("alignment", "demand", "burden", "capability", "insecurity", "stance", "belief_about_russia",
                   "threat_from_russia", "ladder", "exists")
_STATE_SOURCE = {"burden": "effort"}
EVENT_COLUMNS = ("run", "step", "kind", "actor", "target", "scripted", "cause", "event_id")
# The M8 decision log: every NATO decision on the ladder (invitation, accession, MAP, pledge), taken or
# withheld, scripted by the record or decided by NATO's vote, with its log-likelihood under the run's own
# world and under each leader type (the evidence about the West's type, docs/theory.md §4 (M8)).
DECISION_TYPES = ("security_seeker", "order_revisionist", "greedy_expansionist")  # sim.worlds.TYPES (S, R, G)
DECISION_COLUMNS = ("run", "event_id", "kind", "step", "taken", "scripted", "loglik",
                    *(f"loglik_{t}" for t in DECISION_TYPES), "yes", "members")
_DECISION_DTYPES = {"run": np.int64, "event_id": object, "kind": object, "step": np.int64, "taken": bool,
                    "scripted": bool, "yes": np.int64, "members": np.int64}


class EventLog:
    """The columnar event log of a batch. Rows are appended in the order things happen; :meth:`columns`
    returns them grouped by run (stable: each run's events keep their order)."""

    def __init__(self):
        self.rows: list[tuple] = []

    def add(self, runs, step, kind, actor, target, scripted, cause, event_id=""):
        """One row per run in ``runs``; ``kind``, ``actor``, ``target`` and ``cause`` are one string for all
        of them or a list with one per run."""
        n = len(runs)
        cols = [v if isinstance(v, list) else [v] * n for v in (kind, actor, target, cause)]
        self.rows.extend((int(r), int(step), kd, a, t, bool(scripted), c, event_id)
                         for r, kd, a, t, c in zip(runs, *cols))

    def columns(self) -> dict[str, np.ndarray]:
        rows = sorted(self.rows, key=lambda r: r[0])  # stable
        if not rows:
            return {c: np.array([], dtype=int if c in ("run", "step") else object) for c in EVENT_COLUMNS}
        cols = list(zip(*rows))
        out = {}
        for name, values in zip(EVENT_COLUMNS, cols):
            if name in ("run", "step"):
                out[name] = np.array(values, dtype=np.int64)
            elif name == "scripted":
                out[name] = np.array(values, dtype=bool)
            else:
                out[name] = np.array(values, dtype=object)
        return out


class Recorder:
    """Preallocated records of a batch, quarter-major (``[T, R]``, ``[T, R, N]``: a step writes one
    contiguous block; :meth:`sim.engine.Engine.result` hands them out run-major). ``keep_states`` also keeps the per-state tables (``[R, T, N]``:
    ~0.5 MB per historical run); without it only observables, Russia's belief and the logs are kept."""

    def __init__(self, R: int, T: int, N: int, keep_states: bool = True):
        self.T = T
        self.obs = {name: np.zeros((T, R), dtype=np.int8 if name == "regime" else
                                   np.int64 if name in INTEGER_OBSERVABLES else float) for name in OBSERVABLES}
        self.states = {v: np.zeros((T, R, N), dtype=np.int8 if v in ("stance", "ladder", "exists") else float)
                       for v in STATE_VARIABLES} if keep_states else None
        self.belief_west = np.zeros((T, R))
        self.decisions: list[tuple] = []

    def add_decisions(self, runs, event_id, kind, step, taken, scripted, loglik, loglik_types, yes, members):
        """One row per run in ``runs`` for a NATO decision on the ladder: whether it was taken, whether the
        record scripted it (else NATO's own vote decided it), its log-likelihood under the run's own world and
        under each leader type ``[n, 3]`` (:data:`DECISION_TYPES`), and the members' yes votes."""
        lt = np.asarray(loglik_types, dtype=float).reshape(len(runs), len(DECISION_TYPES))
        self.decisions.extend((int(r), event_id, kind, int(step), bool(tk), bool(scripted), float(ll), *map(float, lt_r),
                               int(y), int(m))
                              for r, tk, ll, lt_r, y, m in zip(runs, taken, loglik, lt, yes, members))

    def decision_columns(self) -> dict[str, np.ndarray]:
        """The decision log as columns (:data:`DECISION_COLUMNS`), grouped by run (stable)."""
        rows = sorted(self.decisions, key=lambda r: r[0])
        cols = list(zip(*rows)) if rows else [()] * len(DECISION_COLUMNS)
        return {n: np.array(v, dtype=_DECISION_DTYPES.get(n, float)) for n, v in zip(DECISION_COLUMNS, cols)}


def nato_defects(s: State, nato) -> np.ndarray:
    """NATO defects when members holding at least half its capability defect (``[R]`` bool)."""
    w = np.where(nato, s.capability, 0.0)
    return nato.any(axis=1) & ((s.stance * w).sum(axis=1) < 0.5 * w.sum(axis=1))


def observe(b: Batch, s: State, k: int) -> dict[str, np.ndarray]:
    """The observables of every run after step ``k`` (docs/theory.md §5), as ``[R]`` arrays."""
    cw = b.cw
    rus, usa = cw.rus, cw.usa
    nato = (s.ladder == MEMBER) & s.exists
    nato_eu = nato & (cw.european > 0)
    w = np.where(nato, s.capability, 0.0)
    b_nato = (s.belief_about_russia * w).sum(axis=1) / w.sum(axis=1)
    g = np.where(nato_eu, s.gdp, 0.0)
    any_eu = nato_eu.any(axis=1)
    nato_burden = np.where(any_eu, (s.effort * g).sum(axis=1) / np.where(any_eu, g.sum(axis=1), 1.0), 0.0)
    r_def = s.stance[:, rus] == 0
    n_def = nato_defects(s, nato)
    o = {}
    o["tension"] = observables.tension(s.belief_about_west, b_nato, r_def, n_def, s.effort[:, rus], nato_burden)
    o["tension_russia"] = observables.tension_russia(s.belief_about_west, r_def, s.effort[:, rus])
    o["trust_russia_in_nato"] = 1.0 - s.belief_about_west
    o["trust_nato_in_russia"] = 1.0 - b_nato
    # M4 beliefs by type: Russia's about the West's leader, NATO's (capability-weighted) about Russia
    o["russia_belief_west_revisionist"] = s.belief_west[:, 1]
    o["russia_belief_west_greedy"] = s.belief_west[:, 2]
    p_nato = (s.belief_russia * w[..., None]).sum(axis=1) / w.sum(axis=1)[:, None]
    o["nato_belief_russia_revisionist"] = p_nato[:, 1]
    o["nato_belief_russia_greedy"] = p_nato[:, 2]
    o["russia_expects_atrophy"] = s.atrophy
    o["centrality"] = s.centrality
    o["russia_expected_centrality"] = s.expected_centrality
    o["russia_voice"] = s.voice
    o["nato_members"] = nato.sum(axis=1)
    o["russia_burden"] = s.effort[:, rus]
    o["us_burden"] = s.effort[:, usa]
    o["nato_europe_burden"] = nato_burden
    o["russia_capability"] = s.capability[:, rus]
    o["russia_military_spending"] = s.effort[:, rus] * s.gdp[:, rus]  # real spending, bn PPP $ a year (M1's flow)
    o["capability_ratio"] = w.sum(axis=1) / np.maximum(s.capability[:, rus], 1e-9)
    o["russia_insecurity"] = s.ins_total
    o["russia_insecurity_military"] = s.ins_military
    o["russia_insecurity_status"] = s.ins_status
    o["russia_insecurity_sphere"] = s.ins_sphere
    o["russia_insecurity_regime"] = s.ins_regime
    o["russia_stance"] = s.stance[:, rus].astype(np.int64)
    o["nato_stance"] = (~n_def).astype(np.int64)
    o["russia_coercing"] = s.coercing.sum(axis=1)
    o["richardson_margin"] = richardson(b, s, nato, nato_eu)
    since = np.where(s.last_force_step == NEVER, 1e9, k - s.last_force_step)
    o["regime"] = observables.regime_code(r_def, n_def, since, s.coercing.any(axis=1))
    return o


def richardson(b: Batch, s: State, nato, nato_eu) -> np.ndarray:
    """M6 diagnostic: α_R·α_W − k_R·k_W of the linearised Russia–NATO arms process (> 0: stable, < 0: a
    runaway race). α = λ(1 + f) is the fatigue term of the effort dynamics (:func:`sim.mechanisms.arming.fatigue_term`);
    NATO's reaction is that of its European members (the US effort is exogenous)."""
    cw, pr = b.cw, b.pr
    rus = cw.rus
    P_w = threat.bloc_power(s.capability, nato, cw.usa, pr["alliance_cohesion"])
    share_w = P_w / np.maximum(P_w + s.capability[:, rus], 1e-9)
    n_eu = nato_eu.sum(axis=1)
    has = n_eu > 0
    d = np.where(has, n_eu, 1)
    e_w = np.where(has, (s.effort * nato_eu).sum(axis=1) / d, pr["peace_burden"])
    k_r = arming.reaction_term(pr["arming_speed"], pr["arming_reaction"], s.capacity[:, rus], pr["w_military"],
                               pr["power_exponent"], s.threat_to_russia, share_w, e_w)
    t_eu = np.where(has, (s.threat_from_russia * nato_eu).sum(axis=1) / d, 0.0)
    cap_eu = np.where(has, (s.capacity * nato_eu).sum(axis=1) / d, 1.0)
    k_w = arming.reaction_term(pr["arming_speed"], pr["arming_reaction"], cap_eu, pr["w_military"],
                               pr["power_exponent"], t_eu, 1 - share_w, s.effort[:, rus])
    fat = arming.fatigue_term(pr["arming_speed"], pr["arming_fatigue"])
    return arming.richardson_margin(k_r, k_w, fat, fat)


def record(b: Batch, s: State, rec: Recorder, k: int) -> dict[str, np.ndarray]:
    o = observe(b, s, k)
    for name, v in o.items():
        rec.obs[name][k] = v
    rec.belief_west[k] = s.belief_about_west
    if rec.states is not None:
        for v, arr in rec.states.items():
            arr[k] = getattr(s, _STATE_SOURCE.get(v, v))
    return o
