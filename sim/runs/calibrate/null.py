"""The null model of the calibration (docs/theory.md §7, "A null model"): no agents, no types.

Russia's tension is a sum of decaying impulses of the scenario's scripted events,

    tension_russia(t) = clip(Σ_e β_kind(e) · exp(−λ · age_e(t)), 0, 1),   age_e(t) = (t − date_e) / 4 years, t >= date_e,

with one β per event kind present in the training window (1992–2013) and one decay rate λ. Every quarter
Russia uses force with probability logistic(force_a + force_b · tension) and coerces with probability
logistic(coercion_a + coercion_b · tension), each against a target drawn uniformly among the claimed states
that exist that quarter, by a keyed stream (:mod:`sim.mechanisms.randomness`); its burden is
burden_c + burden_d · tension (share of GDP, floored at 0). Fixed definitions, not parameters, that let the
same feature functions (:func:`sim.runs.score.batch_features`) score it:

- Russia's stance: it defects when its tension exceeds one half; NATO always cooperates.
- Regime: :func:`sim.mechanisms.observables.regime_code` of those stances and of force and coercion.
- Russia's capability: the perpetual inventory of M1 (:func:`sim.mechanisms.capacity.accumulate`) on the
  scenario's GDP path of Russia with the null's burden, from the CINC-based stock of 1992
  (:func:`sim.mechanisms.capacity.initial_capability`) at the default depreciation — world data and an
  accounting identity, the same as the agent model's, not a theory of behaviour.
- Proposals, offers' acceptances, applications and NATO's votes never happen: the patterns that need them
  (1 early cooperation: a proposal; 3 the Founding Act: an acceptance) fail in every run of the null, and it
  has no M8 decision log (``decisions`` is empty).

Events that did not happen or whose occurrence depends on the run (withheld decisions, conditional or
endogenous events) are not impulses; kinds absent from the training window have no β (nothing could fit it)
and are listed in ``NullResult.ignored``. Vectorised over runs: one Python loop over quarters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.engine.compiled import compile_world
from sim.engine.record import DECISION_COLUMNS, EVENT_COLUMNS
from sim.mechanisms import capacity
from sim.mechanisms.observables import regime_code
from sim.mechanisms.randomness import uniform
from sim.scenario import Scenario

# The scripted event kinds of scenarios/historical.yaml that happen 1992-2013 (tests/test_null_model.py checks
# this list against the scenario): one impulse β each.
NULL_KINDS = ("statehood_change", "association_agreement", "accession", "enlargement_signal", "partnership_offer",
              "regime_change", "eu_accession", "operation", "institution_offer", "invitation", "economic_shock",
              "map_granted", "common_threat", "posture_change", "membership_pledge")
STANCE_THRESHOLD = 0.5  # fixed definition: Russia defects when its tension exceeds one half
WORLD = "null"

_BETA = ("impulse of one event of this kind on Russia's tension index (0..1), at age 0",
         "agnostic: symmetric (the null takes no side on whether an event raises or lowers tension), up to "
         "half the index's range either way for one event")
NULL_PARAMETERS: dict[str, tuple[float, float, str, str]] = {
    **{f"beta_{k}": (-0.5, 0.5, f"{_BETA[0]}: {k}", _BETA[1]) for k in NULL_KINDS},
    "decay": (0.05, 2.0, "λ: decay rate of every impulse, per year (half-life ln 2 / λ)",
              "half-lives from four months (a season) to 14 years (longer than the 22-year training window)"),
    "force_a": (-8.0, 0.0, "force: logit of its quarterly probability at zero tension",
                "from 0.03 % a quarter (about one use of force in 800 years) to an even chance"),
    "force_b": (-10.0, 10.0, "force: change of the logit per unit of tension",
                "agnostic sign; at most ten logits over the index's range (a near-certain switch)"),
    "coercion_a": (-8.0, 0.0, "coercion: logit of its quarterly probability at zero tension",
                   "as force_a"),
    "coercion_b": (-10.0, 10.0, "coercion: change of the logit per unit of tension", "as force_b"),
    "burden_c": (0.0, 0.10, "Russia's military burden (share of GDP) at zero tension",
                 "from nothing to the index's full arming (sim.mechanisms.observables.BURDEN_SCALE, 10 %)"),
    "burden_d": (-0.10, 0.10, "change of Russia's burden (share of GDP) per unit of tension",
                 "agnostic sign; at most the index's full arming over its range"),
}
NULL_NAMES = tuple(NULL_PARAMETERS)


def parameter_count() -> int:
    """The null's free parameters (reported beside the worlds')."""
    return len(NULL_PARAMETERS)


def null_draws(n: int, seed: int, method: str = "sobol") -> pd.DataFrame:
    """``n`` parameter vectors of the null over its ranges (uniform prior): a scrambled Sobol' sequence
    (or a Latin hypercube, ``method="latin"``) seeded by ``seed`` (scipy.stats.qmc). Columns: draw, names."""
    import warnings

    from scipy.stats import qmc

    d = len(NULL_NAMES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Sobol' balance warning when n is not a power of two
        rng = np.random.default_rng(seed)
        sampler = qmc.Sobol(d, scramble=True, rng=rng) if method == "sobol" else qmc.LatinHypercube(d, rng=rng)
        u = sampler.random(n)
    lo = np.array([NULL_PARAMETERS[k][0] for k in NULL_NAMES])
    hi = np.array([NULL_PARAMETERS[k][1] for k in NULL_NAMES])
    out = pd.DataFrame(lo + u * (hi - lo), columns=list(NULL_NAMES))
    out.insert(0, "draw", np.arange(n, dtype=np.int64))
    return out


@dataclass
class Impulses:
    """The scripted events of a scenario as impulse counts per kind and quarter."""

    kinds: tuple[str, ...]    # = NULL_KINDS
    counts: np.ndarray        # [T, K] events of each kind dated at each quarter
    ignored: tuple[str, ...]  # ids of events that are no impulse, with the reason


def impulses(scenario: Scenario) -> Impulses:
    """Count the scenario's scripted events per (quarter, kind), up to the run's end."""
    T = scenario.n_steps
    counts = np.zeros((T, len(NULL_KINDS)))
    ignored = []
    col = {k: i for i, k in enumerate(NULL_KINDS)}
    for e in scenario.events:
        if not scenario.start <= e.date <= scenario.end:
            continue
        reason = ("withheld" if e.withheld else "conditional" if e.requires is not None else
                  "endogenous" if e.endogenous else "no beta (kind absent from the training window)"
                  if e.kind not in col else "")
        if reason:
            ignored.append(f"{e.id}: {reason}")
            continue
        counts[e.date - scenario.start, col[e.kind]] += 1.0
    return Impulses(NULL_KINDS, counts, tuple(ignored))


def impulse_basis(scenario: Scenario, decay) -> np.ndarray:
    """``[R, K, T]``: Σ over the events of each kind of exp(−λ·age) per quarter (age in years; 0 before the
    event), for each run's λ (``decay`` ``[R]``). Tension before clipping is ``Σ_k β_k · basis[:, k, :]``."""
    imp = impulses(scenario)
    lam = np.atleast_1d(np.asarray(decay, dtype=float))
    q = np.exp(-lam / 4.0)[:, None]
    out = np.zeros((len(lam), len(imp.kinds), scenario.n_steps))
    s = np.zeros((len(lam), len(imp.kinds)))
    for k in range(scenario.n_steps):
        s = s * q + imp.counts[k][None, :]
        out[:, :, k] = s
    return out


def _logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class NullResult:
    """What the null recorded, with the fields of :class:`sim.engine.BatchResult` that
    :meth:`sim.runs.score.Runs.from_batch` and :meth:`sim.runs.score.Events.from_batch` read."""

    scenario: Scenario
    worlds: tuple
    seeds: np.ndarray
    parameters: pd.DataFrame     # [R] rows, one column per null parameter
    steps: int
    observables: dict            # name -> [R, T]
    events: dict                 # EVENT_COLUMNS -> arrays (emergent events only: force and coercion)
    decisions: dict = field(default_factory=dict)   # empty: the null has no M8
    iso3: tuple = ()
    ignored: tuple = ()          # scripted events that are no impulse, with the reason
    states: None = None
    belief_west: None = None

    @property
    def R(self) -> int:
        return len(self.seeds)


def _rows(param_rows, R: int) -> dict[str, np.ndarray]:
    if isinstance(param_rows, pd.DataFrame):
        param_rows = {c: param_rows[c].to_numpy() for c in param_rows.columns}
    missing = [n for n in NULL_NAMES if n not in param_rows]
    if missing:
        raise ValueError(f"null model: parameters missing: {', '.join(missing)}")
    out = {}
    for n in NULL_NAMES:
        v = np.broadcast_to(np.asarray(param_rows[n], dtype=float), (R,)).copy()
        out[n] = v
    return out


def simulate_null(scenario: Scenario, param_rows, seeds) -> NullResult:
    """Run the null model: one run per seed, with the parameters of the same row of ``param_rows`` (a
    DataFrame or a dict of ``[R]`` arrays; extra columns ignored; scalars broadcast)."""
    from sim.params import PARAMETERS

    seeds = np.atleast_1d(np.asarray(seeds, dtype=np.int64))
    R, T = len(seeds), scenario.n_steps
    p = _rows(param_rows, R)
    cw = compile_world(scenario)
    imp = impulses(scenario)
    rus = cw.rus
    rus_key = cw.agent_keys[[rus]]
    beta = np.stack([p[f"beta_{k}"] for k in NULL_KINDS], axis=1)  # [R, K]
    q = np.exp(-p["decay"] / 4.0)[:, None]
    # capability: M1's perpetual inventory from the CINC-based stock of 1992 (fixed definition, default depreciation)
    delta = PARAMETERS["depreciation"].default
    effort0 = np.array([st.burden / 100.0 for st in scenario.states])
    cinc = np.array([st.cinc for st in scenario.states])
    K = np.full(R, capacity.initial_capability(cinc, effort0, cw.gdp[0], cw.usa, delta)[rus])
    member_from = _nato_member_from(scenario, cw)
    sphere = cw.sphere_idx

    obs = {n: np.zeros((T, R)) for n in ("tension_russia", "russia_burden", "russia_capability",
                                         "russia_military_spending")}
    for n in ("russia_stance", "nato_stance", "russia_coercing"):
        obs[n] = np.zeros((T, R), dtype=np.int64)
    obs["regime"] = np.zeros((T, R), dtype=np.int8)
    ev: dict[str, list] = {c: [] for c in EVENT_COLUMNS}
    s = np.zeros((R, len(NULL_KINDS)))
    last_force = np.full(R, -10**9)
    for k in range(T):
        s = s * q + imp.counts[k][None, :]
        t = np.clip((beta * s).sum(axis=1), 0.0, 1.0)
        burden = np.maximum(p["burden_c"] + p["burden_d"] * t, 0.0)
        K = capacity.accumulate(K, burden, cw.gdp[k, rus], delta)
        cand = sphere[cw.exists[k, sphere]]
        acts = {}
        for act in ("force", "coercion"):
            prob = _logistic(p[f"{act}_a"] + p[f"{act}_b"] * t)
            u = uniform(seeds, rus_key, f"null_{act}", k)
            happens = (u < prob) & (len(cand) > 0)
            rows = np.flatnonzero(happens)
            if len(rows):
                v = uniform(seeds[rows], rus_key, f"null_{act}_target", k)
                tgt = cand[np.minimum((v * len(cand)).astype(np.int64), len(cand) - 1)]
                kind = "use_of_force" if act == "force" else "coercion"
                members = member_from[k]
                ev["run"].append(rows)
                ev["step"].append(np.full(len(rows), k, dtype=np.int64))
                ev["kind"].append(np.full(len(rows), kind, dtype=object))
                ev["actor"].append(np.full(len(rows), cw.iso3[rus], dtype=object))
                ev["target"].append(np.array([cw.iso3[j] for j in tgt], dtype=object))
                ev["scripted"].append(np.zeros(len(rows), dtype=bool))
                ev["cause"].append(np.array(
                    [f"null: P = logistic({p[f'{act}_a'][r]:.2f} + {p[f'{act}_b'][r]:.2f} x tension {t[r]:.2f}) = "
                     f"{prob[r]:.3f}, tie '{'member' if cw.iso3[j] in members else 'none'}'"
                     for r, j in zip(rows, tgt)], dtype=object))
                ev["event_id"].append(np.full(len(rows), "", dtype=object))
            acts[act] = happens
        last_force = np.where(acts["force"], k, last_force)
        r_def = t > STANCE_THRESHOLD
        obs["tension_russia"][k] = t
        obs["russia_burden"][k] = burden
        obs["russia_capability"][k] = K
        obs["russia_military_spending"][k] = burden * cw.gdp[k, rus]  # M1's flow on the data's GDP (fixed definition)
        obs["russia_stance"][k] = (~r_def).astype(np.int64)
        obs["nato_stance"][k] = 1
        obs["russia_coercing"][k] = acts["coercion"].astype(np.int64)
        obs["regime"][k] = regime_code(r_def, np.zeros(R, dtype=bool), k - last_force, acts["coercion"])
    events = _columns(ev)
    return NullResult(scenario=scenario, worlds=(WORLD,) * R, seeds=seeds,
                      parameters=pd.DataFrame({n: p[n] for n in NULL_NAMES}), steps=T,
                      observables={n: np.ascontiguousarray(v.T) for n, v in obs.items()}, events=events,
                      decisions={c: np.array([]) for c in DECISION_COLUMNS}, iso3=cw.iso3, ignored=imp.ignored)


def _nato_member_from(scenario: Scenario, cw) -> dict[int, frozenset]:
    """Step -> the states that are NATO members then (the scenario's members, then its scripted accessions
    by NATO): only to write the tie into an event's cause as the engine does (pattern 7 reads it)."""
    members = set(next((a.members for a in scenario.alliances if a.id == "NATO"), ()))
    joins: dict[int, set] = {}
    for e in scenario.events:
        if (e.kind == "accession" and e.attrs.get("actor") == "NATO" and not e.withheld and e.requires is None
                and not e.endogenous):
            joins.setdefault(e.date - scenario.start, set()).update(e.attrs.get("targets", ()))
    out = {}
    for k in range(scenario.n_steps):
        members |= joins.get(k, set())
        out[k] = frozenset(members)
    return out


def _columns(ev: dict[str, list]) -> dict[str, np.ndarray]:
    """Event columns grouped by run (stable: each run's events keep their order), as the engine's log."""
    if not ev["run"]:
        return {c: np.array([], dtype=np.int64 if c in ("run", "step") else bool if c == "scripted" else object)
                for c in EVENT_COLUMNS}
    cols = {c: np.concatenate(v) for c, v in ev.items()}
    order = np.argsort(cols["run"], kind="stable")
    return {c: v[order] for c, v in cols.items()}
