"""Analysis of sweeps: SALib indices that see what the toy model does, and an offline HTML report."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from sim.runs.analyze import AnalysisError, analyze
from sim.runs.sweep import run_sweep
import sweep_toy  # noqa: F401  (registers the toy model: `model: toy`)

SOBOL = """\
name: toy-sobol
model: toy
worlds: [revisionist_spiral, deterrence]
parameters:
  misperception: range
  status_weight: range
  inert: range
sampler: {method: sobol, n: 8}
seeds: 2
seed: 3
horizon: 2013Q4
keep:
  summaries: [tension@2008, tension@2013]
  steps: [tension]
"""  # 8·(2·3+2) = 64 points × 2 worlds × 2 seeds = 256 runs


def sweep(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return run_sweep(p, workers=1, out=tmp_path / (name + ".out"), progress=False)


@pytest.fixture(scope="module")
def sobol_dir(tmp_path_factory):
    return sweep(tmp_path_factory.mktemp("sobol"), SOBOL)


def _indices(run_dir: Path) -> pd.DataFrame:
    return pd.read_csv(run_dir / "analysis" / "indices.csv")


def test_sobol_indices_find_the_influential_and_the_inert_parameter(sobol_dir):
    report = analyze(sobol_dir)
    ind = _indices(sobol_dir)
    st = ind[(ind["method"] == "sobol") & (ind["index"] == "ST")]
    assert set(st["outcome"]) == {"tension@2008", "tension@2013"} and set(st["world"]) == {"revisionist_spiral", "deterrence"}
    by = st.groupby("parameter")["value"]
    # a parameter that does nothing has exactly zero indices under paired seeds (common random numbers)
    assert (by.get_group("inert").abs() < 1e-12).all()
    assert (by.get_group("misperception") > 0.2).all()
    assert report == sobol_dir / "report.html"


def test_report_is_self_contained_and_has_the_three_kinds_of_figure(sobol_dir):
    html = analyze(sobol_dir, out_html=sobol_dir / "r.html").read_text()
    assert not re.search(r"<script[^>]+src=", html), "plotly.js must be embedded, not linked"
    assert "plotly.js v" in html or "Plotly" in html and len(html) > 1_000_000
    for heading in ("Distributions of outcomes per world", "Response surfaces", "Sensitivity indices"):
        assert heading in html
    for div in ("dist-tension-2008", "surf-tension-2013", "sens-tension-2008-sobol-ST"):
        assert f'id="{div}"' in html
    assert "N·(2D+2) = 8·(2·3+2) = 64" in html


def test_outcomes_not_kept_are_computed_from_the_steps(sobol_dir):
    analyze(sobol_dir, outcomes=["tension@2010", "tension@mean(1999-2001)"])
    ind = _indices(sobol_dir)
    assert set(ind["outcome"]) == {"tension@2010", "tension@mean(1999-2001)"}
    with pytest.raises(AnalysisError, match="kept only the steps of tension"):
        analyze(sobol_dir, outcomes=["trust_russia_in_nato@2010"])


def test_morris_and_grid_designs(tmp_path):
    morris = SOBOL.replace("{method: sobol, n: 8}", "{method: morris, n: 4}").replace("name: toy-sobol", "name: toy-morris")
    d = sweep(tmp_path, morris, "morris.yaml")
    analyze(d)
    mu = _indices(d).query("index == 'mu_star'").groupby("parameter")["value"].min()
    assert mu["inert"] < 1e-12 < mu["misperception"]

    grid = textwrap.dedent("""\
        name: toy-grid
        model: toy
        worlds: all
        parameters:
          misperception: [0.0, 0.5, 1.0]
          inert: [0.2, 0.8]
        seeds: 2
        seed: 5
        horizon: 2009Q4
        keep: [tension@2008]
        """)
    d = sweep(tmp_path, grid, "grid.yaml")
    html = analyze(d).read_text()
    me = _indices(d).query("method == 'main_effect'").groupby("parameter")["value"]
    assert (me.get_group("inert") < 1e-12).all() and (me.get_group("misperception") > 0.5).all()
    assert 'id="surf-tension-2008"' in html


def test_an_incomplete_sweep_is_reported_as_such(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(SOBOL)
    out = run_sweep(p, workers=1, out=tmp_path / "out", progress=False, max_chunks=3)
    html = analyze(out).read_text()
    assert "Incomplete sweep" in html
    assert _indices(out).query("method == 'sobol'").empty  # no Sobol indices from a partial design
