"""Sweep specifications: validation errors (file, line, problem), design sizes, summaries, seeds."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.runs.sweep import (
    SpecError,
    compute_summaries,
    derive_seed,
    load_spec,
    parse_summary,
    plan_sweep,
)
import sweep_toy  # noqa: F401  (registers the toy model: `model: toy`)

REPO = Path(__file__).resolve().parents[1]

GOOD = """\
name: toy-spec
model: toy
worlds: all
parameters:
  misperception: [0.1, 0.5]
  empathy: {low: 0.0, high: 1.0}
  status_weight: range
  inert: range
  noise: 0.05
sampler: {method: sobol, n: 8}
seeds: 3
seed: 7
horizon: 2013Q4
keep:
  summaries: [tension@2008, tension@2013]
"""


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_good_spec_and_sobol_size(tmp_path):
    plan = plan_sweep(write(tmp_path, GOOD))
    d = 3  # empathy, status_weight, inert
    assert plan.n_samples == 8 * (2 * d + 2)
    assert plan.n_points == 2 * 8 * (2 * d + 2)
    assert plan.n_runs == 4 * plan.n_points * 3
    assert "N·(2D+2) = 8·(2·3+2) = 64" in plan.describe()
    # every run's parameters lie in their ranges and the grid values are used
    runs = [plan.run(i) for i in range(0, plan.n_runs, 7)]
    assert {r.parameters["misperception"] for r in runs} == {0.1, 0.5}
    assert all(0.0 <= r.parameters["empathy"] <= 1.0 and r.parameters["noise"] == 0.05 for r in runs)
    # chunks partition the runs in order
    assert sum(plan.chunk_len(c) for c in range(plan.n_chunks)) == plan.n_runs
    assert [r.index for r in plan.chunk(1)] == list(range(plan.chunk_size, 2 * plan.chunk_size))


def test_latin_and_morris_sizes(tmp_path):
    latin = GOOD.replace("{method: sobol, n: 8}", "{method: latin, n: 20}")
    assert plan_sweep(write(tmp_path, latin)).n_samples == 20
    morris = GOOD.replace("{method: sobol, n: 8}", "{method: morris, n: 5, levels: 4}")
    assert plan_sweep(write(tmp_path, morris)).n_samples == 5 * (3 + 1)


def test_the_design_is_reproducible_and_seeded(tmp_path):
    a = plan_sweep(write(tmp_path, GOOD, "a.yaml"))
    b = plan_sweep(write(tmp_path, GOOD, "b.yaml"))
    c = plan_sweep(write(tmp_path, GOOD.replace("seed: 7", "seed: 8"), "c.yaml"))
    assert np.array_equal(a.samples, b.samples)
    assert not np.array_equal(a.samples, c.samples)


def _line_of(path: Path, fragment: str) -> int:
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        if fragment in line:
            return i
    raise AssertionError(fragment)


BAD = [
    # (replace this, with that, line containing, message fragment)
    ("keep:\n", "kepp: x\nkeep:\n", "kepp:", "unknown key 'kepp' (did you mean 'keep'?)"),
    ("  inert: range\n", "  empaty: 0.3\n", "empaty", "unknown parameter 'empaty' (did you mean 'empathy'?)"),
    ("worlds: all", "worlds: [deterence]", "worlds:", "unknown world 'deterence' (did you mean 'deterrence'?)"),
    ("{low: 0.0, high: 1.0}", "{low: 0.8, high: 0.2}", "empathy", "low (0.8) must be below high (0.2)"),
    ("[0.1, 0.5]", "[0.1, 1.5]", "misperception", "misperception = 1.5 is outside its range [0.0, 1.0]"),
    ("{method: sobol, n: 8}", "{method: sobol, n: 10}", "sampler", "power of 2"),
    ("{method: sobol, n: 8}", "{method: sobel, n: 8}", "sampler", "unknown sampler 'sobel' (did you mean 'sobol'?)"),
    ("{method: sobol, n: 8}", "grid", "empathy", "is a range but the sampler is 'grid'"),
    ("[tension@2008, tension@2013]", "[tension@20x8]", "summaries", "after '@' write a year"),
    ("[tension@2008, tension@2013]", "[tenson@2008]", "summaries", "unknown observable 'tenson' (did you mean 'tension'?)"),
    ("[tension@2008, tension@2013]", "[tension@2020]", "summaries", "starts after the runs end (2013Q4)"),
    ("[tension@2008, tension@2013]", "[tension@mean(2008-2001)]", "summaries", "runs backwards"),
    ("seeds: 3", "seeds: 0", "seeds:", "seeds must be a positive whole number"),
    ("seed: 7\n", "", None, "missing required key 'seed'"),
    ("horizon: 2013Q4", "horizon: 2013Q5", "horizon", "is not a quarter like 1999Q2"),
    ("horizon: 2013Q4", "horizon: 2030Q4", "horizon", "after the end of scenario 'toy'"),
    ("  noise: 0.05\n", "  noise: 0.05\n  noise: 0.1\n", "noise: 0.1", "duplicate key 'noise'"),
    ("  noise: 0.05\n", "  noise: 0.05: 1\n", "noise: 0.05: 1", "YAML syntax error: mapping values are not allowed"),
    ("  noise: 0.05\n", "  noise: &n 0.05\n  greed: *n\n", "&n", "anchors and aliases are not allowed"),
    ("model: toy\n", "model: toy\nscenario: ../x.yaml\n", "scenario:", "takes no scenario"),
    ("model: toy\n", "model: tyo\n", "model:", "unknown model 'tyo' (did you mean 'toy'?)"),
    ("  summaries: [tension@2008, tension@2013]\n", "  summaries: []\n", "keep:", "keeps nothing"),
    ("name: toy-spec", "name: Toy Spec", "name:", "name must be a slug"),
]


@pytest.mark.parametrize("old,new,line_fragment,message", BAD, ids=[b[3][:40] for b in BAD])
def test_validation_errors_name_file_line_and_problem(tmp_path, old, new, line_fragment, message):
    assert old in GOOD
    p = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(SpecError) as info:
        load_spec(p)
    text = str(info.value)
    assert "\n" not in text
    line = _line_of(p, line_fragment) if line_fragment else 1
    assert text.startswith(f"{p}:{line}: "), text
    assert message in text, text


def test_missing_spec_file(tmp_path):
    with pytest.raises(SpecError, match="no such file"):
        load_spec(tmp_path / "nope.yaml")


def test_the_cli_module_prints_one_line_errors(tmp_path):
    p = write(tmp_path, GOOD.replace("  inert: range\n", "  empaty: 0.3\n"))
    r = subprocess.run([sys.executable, str(REPO / "tests" / "sweep_toy.py"), str(p), "--dry-run"], cwd=REPO,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr
    assert f"{p}:{_line_of(p, 'empaty')}: unknown parameter 'empaty'" in r.stderr


# --- summaries ---------------------------------------------------------------------------------------------


def _obs():
    dates = [f"{y}Q{q}" for y in range(2006, 2010) for q in range(1, 5)]
    return pd.DataFrame({"date": dates, "tension": np.arange(len(dates), dtype=float)})


@pytest.mark.parametrize("text,expected", [
    ("tension@2008", np.mean([8, 9, 10, 11])),
    ("tension@2008Q3", 10.0),
    ("tension@mean(2006-2007)", np.mean(range(8))),
    ("tension@max(2007Q2-2008Q1)", 8.0),
    ("tension@min(all)", 0.0),
    ("tension@final", 15.0),
    ("tension@first(2009)", 12.0),
    ("tension@sd(2006)", float(np.std([0, 1, 2, 3], ddof=1))),
])
def test_summaries(text, expected):
    s = parse_summary(text)
    assert compute_summaries(_obs(), [s])[s.column] == pytest.approx(expected)


def test_summary_outside_the_run_is_nan():
    s = parse_summary("tension@2012")
    assert np.isnan(compute_summaries(_obs(), [s])[s.column])


# --- seeds -------------------------------------------------------------------------------------------------


def test_seeds_are_stable_and_independent_of_pythonhashseed():
    code = "from sim.runs.sweep import derive_seed; print(derive_seed(7, 'run', 'toy', 'deterrence', 3, 1))"
    outs = {subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PYTHONHASHSEED": h}).stdout.strip() for h in ("0", "1", "123")}
    assert outs == {str(derive_seed(7, "run", "toy", "deterrence", 3, 1))}
    assert derive_seed(7, "a") != derive_seed(7, "b") != derive_seed(8, "b")
    assert 0 <= derive_seed(0, "x") < 2**32


def test_paired_seeds_are_shared_across_worlds_and_points(tmp_path):
    plan = plan_sweep(write(tmp_path, GOOD))
    runs = [plan.run(i) for i in range(plan.n_runs)]
    by_rep = {}
    for r in runs:
        by_rep.setdefault(r.replicate, set()).add(r.seed)
    assert all(len(s) == 1 for s in by_rep.values()) and len(by_rep) == 3
    indep = plan_sweep(write(tmp_path, GOOD.replace("seeds: 3", "seeds: {count: 3, paired: false}"), "i.yaml"))
    seeds = [indep.run(i).seed for i in range(indep.n_runs)]
    assert len(set(seeds)) > 0.99 * len(seeds)
