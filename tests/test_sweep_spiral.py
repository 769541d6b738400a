"""Sweeps of the spiral model itself: the shipped experiments validate, and a tiny sweep of the mini
scenario gives exactly what single runs give."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.runs.sweep import SpecError, compute_summaries, load_results, load_spec, parse_summary, plan_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "data" / "mini_history.yaml"


def test_the_shipped_experiments_validate_and_have_their_stated_sizes():
    perception = plan_sweep(ROOT / "experiments" / "worlds_perception.yaml")
    assert perception.spec.worlds == ["security_dilemma", "deterrence", "provocation", "revisionist_spiral"]
    assert set(perception.spec.grid) == {"misperception", "distinguishability", "empathy", "greed", "status_weight"}
    assert perception.n_runs == 4 * 3**5 * 4 == 3888

    sobol = plan_sweep(ROOT / "experiments" / "sobol_revisionist.yaml")
    d = len(sobol.spec.ranges)
    assert sobol.spec.sampler == "sobol" and sobol.spec.worlds == ["revisionist_spiral"]
    assert sobol.n_points == 64 * (2 * d + 2) == 1408
    assert sobol.n_runs == 1408 * 3
    assert {s.text for s in sobol.spec.summaries} >= {"tension@2008", "tension@2013"}


def test_every_shipped_experiment_validates():
    from sim.runs.calibrate.spec import load_calibration
    for path in sorted((ROOT / "experiments").glob("*.yaml")):
        if path.name.startswith("calibration"):  # calibration specs (spiral calibrate), not sweeps
            load_calibration(path)
        else:
            load_spec(path)


def test_a_tiny_spiral_sweep_equals_single_runs(tmp_path):
    from sim.runs.single import run_single
    from sim.scenario import load_scenario

    spec = tmp_path / "mini.yaml"
    spec.write_text(textwrap.dedent(f"""\
        name: mini
        scenario: {MINI}
        worlds: [security_dilemma, revisionist_spiral]
        parameters:
          misperception: [0.2, 1.0]
          empathy: 0.5
        seeds: 2
        seed: 9
        keep:
          summaries: [tension@1999, "trust_russia_in_nato@mean(1992-1995)", tension@final]
          steps: [tension, russia_insecurity]
        """))
    out = run_sweep(spec, workers=2, out=tmp_path / "out", progress=False)
    df = load_results(out)
    assert len(df) == 2 * 2 * 2
    plan = plan_sweep(spec)
    scenario = load_scenario(MINI)
    summaries = [parse_summary(s) for s in ("tension@1999", "trust_russia_in_nato@mean(1992-1995)", "tension@final")]
    for i in (0, 5, 7):
        run = plan.run(i)
        obs = run_single(scenario, run.world, run.seed, parameters=run.parameters, keep=("observables",)).observables
        expected = compute_summaries(obs, summaries)
        for k, v in expected.items():
            assert df.iloc[i][k] == v
    steps = load_results(out, "steps")
    assert len(steps) == 8 * scenario.n_steps and {"tension", "russia_insecurity"} <= set(steps.columns)


def test_spiral_parameter_errors_name_the_line(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(f"name: bad\nscenario: {MINI}\nparameters:\n  misperceptoin: 0.3\nseeds: 1\nseed: 1\nkeep: steps\n")
    with pytest.raises(SpecError, match=r"bad.yaml:4: unknown parameter 'misperceptoin' \(did you mean 'misperception'\?\)"):
        load_spec(spec)
    spec.write_text(f"name: bad\nscenario: {MINI}\nparameters:\n  liberal: {{low: 0, high: 1}}\nseeds: 1\nseed: 1\nkeep: steps\n")
    with pytest.raises(SpecError, match=r"bad.yaml:4: parameter 'liberal' is a switch"):
        load_spec(spec)
    spec.write_text(f"name: bad\nscenario: nowhere.yaml\nseeds: 1\nseed: 1\nkeep: steps\n")
    with pytest.raises(SpecError, match=r"bad.yaml:2: scenario file not found: nowhere.yaml"):
        load_spec(spec)


def test_a_worker_frees_its_chunks_models_when_the_chunk_is_done(tmp_path):
    """Mesa models live in reference cycles; a sweep worker must not keep finished runs alive until the
    cyclic collector happens to run (its memory grew ~20 KiB per run before; sim.runs.executors)."""
    import gc
    import hashlib
    import pickle

    from sim.model import SpiralModel
    from sim.runs.sweep import ChunkTask, run_chunk

    spec = tmp_path / "mini.yaml"
    spec.write_text(f"name: mini\nscenario: {MINI}\nworlds: all\nseeds: 2\nseed: 1\nkeep: {{summaries: [tension@final]}}\n")
    plan = plan_sweep(spec)
    blob = pickle.dumps(plan.spec.scenarios[0].obj)
    task = ChunkTask(0, plan.spec.model, [plan.run(i) for i in range(plan.n_runs)], ["mini"],
                     {0: (hashlib.sha256(blob).hexdigest(), blob)}, None, plan.spec.summaries, False,
                     plan.parameter_names)
    gc.disable()  # only the worker's own release may free the models' cycles
    try:
        result = run_chunk(task)
        alive = [o for o in gc.get_objects() if isinstance(o, SpiralModel)]
    finally:
        gc.enable()
    assert result.n_runs == plan.n_runs == 8
    assert alive == []
