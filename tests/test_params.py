"""Every number a parameter or a sourced world datum (issue 10): the parameter table is complete and sane, the
ladder tables are parameters that vary per run and stay monotone, the mechanisms read their numbers from the
parameters (a test fails if a function ignores its parameter), world data vary per run, and no bare number is
left in the function bodies of the mechanisms listed in ``OWNED``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from sim.mechanisms import order, paradigms, randomness, security, small_states, threat
from sim.mechanisms.security import INVITED, LADDER_TABLES, MAP, MEMBER, NONE, PLEDGED, LadderError
from sim.params import PARAMETERS, SWITCHES, defaults, resolve

ROOT = Path(__file__).resolve().parents[1]


# --- the table ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_every_parameter_has_a_range_holding_its_default_and_a_source(name):
    p = PARAMETERS[name]
    assert p.low <= p.default <= p.high, f"{name}: default {p.default} outside [{p.low}, {p.high}]"
    assert p.low < p.high or name in SWITCHES, f"{name}: an empty range cannot be swept"
    assert p.description.strip() and p.mechanism.strip()
    src = p.source.strip()
    # a cited work (author and year), a section of the project's theory, or a stated design choice
    assert re.search(r"\b(1[89]\d\d|20\d\d)(?!\d)|docs/theory\.md|design choice", src), f"{name}: source {src!r}"


def test_generated_parameter_table_lists_every_parameter():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_param_table", ROOT / "scripts" / "gen_param_table.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    text = gen.render("<!-- params:start -->\n<!-- params:end -->\n<!-- constants:start -->\n<!-- constants:end -->")
    for name in PARAMETERS:
        assert f"| `{name}` |" in text
    for entries in LADDER_TABLES.values():
        for e in entries:
            if isinstance(e, str):
                assert f"(`{e}`)" in text  # the world-data table names the parameter behind each entry


# --- ladder tables --------------------------------------------------------------------------------------------

def test_ladder_ranges_meet_so_any_sample_keeps_every_table_rising():
    """Neighbouring entries' ranges never overlap (and stay within the fixed ends), so every point a sweep or
    a calibration samples inside the declared ranges gives monotone tables."""
    for name, entries in LADDER_TABLES.items():
        lows = [e if not isinstance(e, str) else PARAMETERS[e].low for e in entries]
        highs = [e if not isinstance(e, str) else PARAMETERS[e].high for e in entries]
        for i in range(len(entries) - 1):
            assert highs[i] <= lows[i + 1], f"{name}: {entries[i]} may exceed {entries[i + 1]}"
    rng = np.random.default_rng(0)
    for _ in range(200):
        p = {k: rng.uniform(v.low, v.high) for k, v in PARAMETERS.items()}
        for t in security.ladder_tables(p).values():
            assert np.all(np.diff(t) >= 0)


def test_default_tables_are_the_module_constants():
    t = security.ladder_tables(defaults())
    assert np.array_equal(t["expected_loss"], [0.0, 0.15, 0.35, 0.6, 0.7, 0.9, 1.0])
    assert np.array_equal(t["protection"], security.PROTECTION)
    assert np.array_equal(t["coverage"], security.COVERAGE)
    assert np.array_equal(t["west_holding"], security.WEST_HOLDING)
    assert np.array_equal(t["eu_loss"], security.EU_LOSS)


def test_a_falling_table_is_refused_with_one_line():
    with pytest.raises(LadderError) as exc:
        security.ladder_tables({**defaults(), "protection_map": 0.6})
    msg = str(exc.value)
    assert "\n" not in msg and "'protection'" in msg and "map (protection_map) = 0.6" in msg and "invited" in msg
    # per run: the message names the run
    pr = {k: np.full(3, v) for k, v in defaults().items()}
    pr["loss_aspirant"] = np.array([0.35, 0.35, 0.1])
    with pytest.raises(LadderError, match=r"'expected_loss' falls along the ladder in run 2: partner"):
        security.ladder_tables(pr)
    with pytest.raises(ValueError):  # also a ValueError (and a SpiralError: one line on the command line)
        security.check_ladder_tables({**defaults(), "coverage_partner": 0.3})


def test_resolve_checks_the_tables(monkeypatch):
    """resolve() refuses falling tables even where each value is inside its own range (ranges widened here)."""
    import sim.params as params

    wide = dict(PARAMETERS)
    wide["protection_map"] = params.ParamInfo(0.25, 0.0, 1.0, "x", "design choice: test", "M3")
    monkeypatch.setattr(params, "PARAMETERS", wide)
    assert resolve(overrides={"protection_map": 0.5})["protection_map"] == 0.5  # equal to invited: allowed
    with pytest.raises(LadderError):
        resolve(overrides={"protection_map": 0.6})


def test_ladder_tables_per_run_give_per_run_lookups():
    R = 4
    rng = np.random.default_rng(1)
    runs = [{k: rng.uniform(v.low, v.high) for k, v in PARAMETERS.items()} for _ in range(R)]
    pr = {k: np.array([r[k] for r in runs]) for k in runs[0]}
    tables = security.ladder_tables(pr)
    assert tables["protection"].shape == (R, 7) and tables["eu_loss"].shape == (R, 3)
    ladder = rng.integers(0, 7, size=(R, 9))
    eu = rng.integers(0, 3, size=(R, 9))
    align = rng.uniform(-1, 1, size=(R, 9))
    got = security.ladder_value(tables["protection"], ladder)
    want = np.stack([security.ladder_tables(runs[r])["protection"][ladder[r]] for r in range(R)])
    assert np.array_equal(got, want)
    assert np.array_equal(security.ladder_value(tables["coverage"], ladder[:, 3]),
                          [security.ladder_tables(runs[r])["coverage"][ladder[r, 3]] for r in range(R)])
    ps = {k: v[:, None] for k, v in pr.items()}
    st = security.stakes(ladder, eu, align, tables, ps)
    for r in range(R):
        assert np.array_equal(st[r], security.stakes(ladder[r], eu[r], align[r], security.ladder_tables(runs[r]),
                                                     runs[r]))


def test_a_batch_holds_each_runs_tables_and_world_data():
    from sim.engine.state import make_batch
    from sim.scenario import load_scenario

    sc = load_scenario(ROOT / "scenarios" / "historical.yaml")
    b = make_batch(sc, "deterrence", [5, 5, 6], [{}, {"protection_map": 0.3, "importance_jitter": 0.3},
                                                  {"importance_jitter": 0.3}])
    assert b.tables["protection"][:, MAP].tolist() == [0.25, 0.3, 0.25]
    assert np.array_equal(b.tables["protection"][0], security.PROTECTION)
    assert np.array_equal(b.importance[0], b.cw.importance)  # s.d. 0: exactly the world file
    assert not np.array_equal(b.importance[1], b.cw.importance)
    assert not np.array_equal(b.importance[1], b.importance[2])  # another seed, another draw
    assert np.array_equal(b.importance[1] == 0, b.cw.importance == 0)  # outside the sphere stays 0
    again = make_batch(sc, "security_dilemma", [5], {"importance_jitter": 0.3})  # keyed by seed, not by batch
    assert np.array_equal(again.importance[0], b.importance[1])
    assert np.array_equal(b.energy_dependence[0], b.cw.energy_dependence)
    assert np.array_equal(b.border_weighted[0], b.cw.border_weighted)


def test_importance_jitter_is_mean_one_and_scales_with_its_sd():
    keys = np.arange(40000, dtype=np.uint64)
    small = randomness.lognormal_factor(3, keys, "importance", 0.1)
    large = randomness.lognormal_factor(3, keys, "importance", 0.4)
    assert abs(small.mean() - 1) < 0.01 and abs(large.mean() - 1) < 0.02
    assert np.log(large).std() == pytest.approx(0.4, rel=0.03) and np.log(small).std() == pytest.approx(0.1, rel=0.03)
    assert np.array_equal(np.sign(np.log(small) + 0.005), np.sign(np.log(large) + 0.08))  # one direction, scaled
    assert np.array_equal(randomness.lognormal_factor(3, keys, "importance", 0.0), np.ones(len(keys)))


def test_core_distance_scale_is_per_run_and_exposure_reads_it():
    from sim.engine.state import make_batch
    from sim.engine.step import _exposure_of_others
    from sim.scenario import load_scenario

    sc = load_scenario(ROOT / "scenarios" / "historical.yaml")
    b = make_batch(sc, "deterrence", [1, 1], [{}, {"core_distance_km": 600.0}])
    cw = b.cw
    assert np.array_equal(b.core_weight[0], cw.core_weight) and not np.array_equal(b.core_weight[1], cw.core_weight)
    exists = np.tile(cw.exists[0], (2, 1)).astype(float)
    held = np.zeros((2, cw.n))
    held[:, cw.rus] = 1.0
    foot = np.zeros((2, cw.n))
    shared = _exposure_of_others(cw, exists, held, foot, 0.5)
    per_run = _exposure_of_others(cw, exists, held, foot, 0.5, b.border_weighted)
    assert np.array_equal(per_run[0], shared[0])  # the same numbers at the default scale
    assert not np.allclose(per_run[1], shared[1])


# --- mechanisms read their numbers from the parameters ------------------------------------------------------

def _t(p):
    return security.ladder_tables(p)


CAP, EUR = np.array([10.0, 4.0, 2.0]), np.ones(3)
POS = np.array([[37.6, 55.8], [27.6, 53.9], [30.5, 50.4]])
READS = {
    # parameter: (a value inside its range other than the default, what the mechanism returns given p)
    "demand_intercept": (-0.5, lambda p: small_states.membership_demand(0.3, 0.5, 0.2, 0.1, p)),
    "pull_democracy_share": (0.7, lambda p: small_states.western_pull(0.9, 0.1, p)),
    "availability_base": (0.3, lambda p: small_states.ally_availability(0.0, False, p)),
    "availability_partner": (0.9, lambda p: small_states.ally_availability(0.0, True, p)),
    "sphere_retaliation": (2.0, lambda p: small_states.retaliation_cost(0.5, 0.0, 0.6, 1.0, p)),
    "alignment_inertia": (0.5, lambda p: small_states.alignment_target(0.8, 0.9, 0.0, 0.2, p)),
    "balance_weight": (0.5, lambda p: small_states.alignment_target(0.8, 0.9, 0.0, 0.2, p)),
    "bandwagon_weight": (0.9, lambda p: small_states.alignment_target(0.8, 0.9, 0.0, 0.2, p)),
    "overwhelming_threat": (0.7, lambda p: small_states.alignment_target(0.8, 0.9, 0.0, 0.2, p)),
    "csto_exclusive": (1.0, lambda p: small_states.bound_by_csto(np.array([True, False]), p)),
    "frozen_demand_damping": (0.4, lambda p: small_states.frozen_conflict_damping(0.8, 1.0, p)),
    "partnership_refusal_alignment": (-0.3, lambda p: small_states.accepts_partnership(-0.4, False, p)),
    "loss_pledged": (0.5, lambda p: security.stakes(np.array([PLEDGED]), np.zeros(1, int), np.zeros(1), _t(p), p)),
    "protection_map": (0.35, lambda p: security.stakes(np.array([MAP]), np.zeros(1, int), np.zeros(1), _t(p), p)),
    "protection_invited": (0.7, lambda p: security.stakes(np.array([INVITED]), np.zeros(1, int), np.zeros(1), _t(p),
                                                         p)),
    "eu_loss_association": (0.2, lambda p: security.western_drift(np.array([NONE]), np.ones(1, int), np.zeros(1),
                                                                 _t(p), p)),
    "drift_alignment_weight": (0.8, lambda p: security.western_drift(np.array([NONE]), np.zeros(1, int),
                                                                    np.full(1, 0.9), _t(p), p)),
    "holding_map": (0.45, lambda p: security.west_holding(np.array([MAP]), np.zeros(1), _t(p), p)),
    "holding_expected_weight": (0.8, lambda p: security.west_holding(np.array([NONE]), np.full(1, 0.8), _t(p), p)),
    "coverage_invited": (0.7, lambda p: order.centrality(CAP, np.array([MEMBER, INVITED, NONE]), EUR, 0.6, _t(p))),
    "coverage_partner": (0.12, lambda p: order.expected_centrality(CAP, np.array([MEMBER, 1, NONE]), np.zeros(3), EUR,
                                                                   0.6, 0.2, _t(p))),
    "credibility_intention": (0.3, lambda p: order.signal_credibility("intention", p)),
    "credibility_study": (0.8, lambda p: order.signal_credibility("study", p)),
    "no_mandate_factor": (3.0, lambda p: order.operation_effect("alliance", False, p)),
    "function_floor": (0.15, lambda p: order.function_from_voice(0.1, 1.0, p)),
    "liberal_discount": (0.8, lambda p: paradigms.liberal_threat_discount(1.0, 1.0, 1.0, p)),
    "liberal_damping": (0.3, lambda p: paradigms.liberal_harm_damping(1.0, 1.0, p)),
    "identity_per_channel": (0.4, lambda p: paradigms.identity_update(0.2, 2, 0.1, 1.0, p)),
    "identity_speed": (0.1, lambda p: paradigms.identity_update(0.2, 2, 0.1, 1.0, p)),
    "identity_erosion": (0.2, lambda p: paradigms.identity_update(0.2, 2, 0.1, 1.0, p)),
    "identity_prior_weight": (0.3, lambda p: paradigms.constructivist_prior(0.5, 0.8, 1.0, p)),
    "identity_empathy": (0.3, lambda p: paradigms.constructivist_empathy(0.3, 0.8, 1.0, p)),
    "core_distance_km": (600.0, lambda p: threat.core_weights(POS, p["core_distance_km"])),
}


@pytest.mark.parametrize("name", sorted(READS))
def test_the_mechanism_reads_its_parameter(name):
    value, fn = READS[name]
    assert PARAMETERS[name].low <= value <= PARAMETERS[name].high and value != PARAMETERS[name].default
    base = np.asarray(fn(resolve()), dtype=float)
    changed = np.asarray(fn(resolve(overrides={name: value})), dtype=float)
    assert not np.allclose(base, changed), f"{name} changed, {fn} did not"
    # the default arguments are the defaults: calling without p gives the default result
    assert np.array_equal(base, np.asarray(fn(defaults()), dtype=float))


def test_functions_without_p_use_the_defaults():
    p = defaults()
    assert small_states.alignment_target(0.8, 0.9, 0.0, 0.2) == small_states.alignment_target(0.8, 0.9, 0.0, 0.2, p)
    assert paradigms.identity_update(0.2, 2, 0.1, 1.0) == paradigms.identity_update(0.2, 2, 0.1, 1.0, p)
    lad = np.array([NONE, PLEDGED, MAP, MEMBER])
    assert np.array_equal(security.stakes(lad, np.zeros(4, int), np.zeros(4)),
                          security.stakes(lad, np.zeros(4, int), np.zeros(4), _t(p), p))
    assert order.signal_credibility("decision", p) == p["signal_credibility"]
    assert order.STAGE_CREDIBILITY == {"intention": 0.5, "study": 0.75, "decision": 1.0}


def test_decide_small_states_reads_the_batch_parameters():
    """Wired in the engine: changed M7 parameters change a run's demand and alignment; the default run is the
    same as alone (a run's results do not depend on its batch)."""
    from sim.engine.record import EventLog
    from sim.engine.simulate import Engine
    from sim.engine.state import make_batch
    from sim.engine.step import decide_small_states, nato_mask, nato_power
    from sim.scenario import load_scenario

    sc = load_scenario(ROOT / "scenarios" / "historical.yaml")

    def after(params):
        e = Engine(make_batch(sc, "deterrence", [3] * len(params), params))
        b, s = e.batch, e.state
        prot = security.ladder_value(b.tables["protection"], s.ladder)
        decide_small_states(b, s, EventLog(), 0, prot, nato_power(b, s, nato_mask(s)))
        return s

    s = after([{}, {"alignment_inertia": 0.4, "demand_intercept": -0.5, "sphere_retaliation": 2.0}])
    alone = after([{}])
    assert np.array_equal(s.demand[0], alone.demand[0]) and np.array_equal(s.alignment[0], alone.alignment[0])
    assert not np.allclose(s.demand[1], s.demand[0]) and not np.allclose(s.alignment[1], s.alignment[0])


def test_a_sweep_can_vary_world_data_like_parameters(tmp_path):
    from sim.runs.sweep.spec import load_spec

    spec = tmp_path / "world.yaml"
    spec.write_text(f"""name: world-data
scenario: {ROOT / 'scenarios' / 'historical.yaml'}
worlds: [deterrence]
parameters:
  importance_jitter: {{low: 0.0, high: 0.3}}
  loss_pledged: range
  protection_map: [0.2, 0.3]
sampler: {{method: morris, n: 2}}
seeds: 1
seed: 1
keep: [tension@2008]
""")
    s = load_spec(spec)
    assert set(s.ranges) == {"importance_jitter", "loss_pledged"} and s.grid == {"protection_map": [0.2, 0.3]}
    assert (s.ranges["loss_pledged"].low, s.ranges["loss_pledged"].high) == (PARAMETERS["loss_pledged"].low,
                                                                            PARAMETERS["loss_pledged"].high)


# --- no bare numbers left in the mechanisms' function bodies -------------------------------------------------

OWNED = ("security", "small_states", "order", "paradigms", "threat", "observables", "randomness")
ALLOWED = {0, 1, 2, 0.5}  # zero, one, two and "half" (a mean of two, a midpoint), as numbers of arithmetic
GUARD = 1e-6              # |x| below this: a numerical guard against division by zero, not a model number
WHITELIST = {
    # (module, function): (numbers, reason)
    ("observables", "tension"): ({3.0}, "the mean of the index's three components (a definition of the observable)"),
    ("observables", "tension_russia"): ({3.0}, "the mean of the index's three components"),
    ("randomness", "_splitmix"): (None, "SplitMix64's constants and shifts (Steele et al. 2014): the algorithm"),
    ("randomness", "uniform"): (None, "hash constants, bit masks and 2^53 (53 random bits to a double)"),
}


def _numbers(fn: ast.AST):
    for node in ast.walk(fn):
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            yield node.lineno, node.value


@pytest.mark.parametrize("module", OWNED)
def test_no_bare_numbers_in_function_bodies(module):
    tree = ast.parse((ROOT / "sim" / "mechanisms" / f"{module}.py").read_text())
    bad = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        allowed, _ = WHITELIST.get((module, fn.name), (set(), ""))
        for stmt in fn.body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
                continue  # docstring
            for line, value in _numbers(stmt):
                if allowed is None or value in ALLOWED or abs(value) < GUARD or value in allowed:
                    continue
                bad.append(f"sim/mechanisms/{module}.py:{line} {fn.name}: {value!r}")
    assert not bad, "numbers that should be parameters (sim/params.py) or named definitions:\n" + "\n".join(bad)
