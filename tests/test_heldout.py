"""The pre-registered held-out scoring (docs/heldout.md, sim/runs/calibrate/heldout.py): its scoring rules are
proper and computed as stated, and nothing in the calibration reads it. These tests use synthetic ensembles;
no model output after 2013 is looked at here."""

import numpy as np
import pytest

from sim.runs.calibrate import heldout


def test_log_score_is_smoothed_and_proper():
    p, s = heldout.log_score(np.array([1, 1, 0, 1]), True)
    assert p == pytest.approx(3.5 / 5) and s == pytest.approx(np.log(3.5 / 5))
    p0, s0 = heldout.log_score(np.zeros(10), True)
    assert np.isfinite(s0) and p0 == pytest.approx(0.5 / 11)
    # proper: the expected score under the truth q is best when the forecast equals q
    q = 0.3
    exp = lambda p: q * np.log(p) + (1 - q) * np.log(1 - p)  # noqa: E731
    assert exp(q) > exp(0.2) and exp(q) > exp(0.5)


def test_crps_matches_its_definition():
    rng = np.random.default_rng(0)
    x = rng.normal(4.0, 1.0, 200)
    y = 5.0
    brute = np.abs(x - y).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()
    assert heldout.crps_ensemble(x, y) == pytest.approx(brute, rel=1e-12)
    assert heldout.crps_ensemble(np.full(5, 3.0), 3.0) == pytest.approx(0.0)
    assert heldout.crps_ensemble(np.full(5, 3.0), 4.0) == pytest.approx(1.0)


def test_record_burden_is_sipri_2014_2024():
    b = heldout.record_burden()
    assert sorted(b) == list(range(2014, 2025))
    assert b[2014] == pytest.approx(4.113, abs=1e-3) and b[2024] == pytest.approx(7.052, abs=1e-3)


def test_every_pattern_holds_in_the_record_and_cites_a_source():
    assert len(heldout.HELDOUT_PATTERNS) == 8
    for p in heldout.HELDOUT_PATTERNS:
        assert p.record and p.source.strip()


def test_preregistration_document_names_the_rules():
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / "docs" / "heldout.md").read_text()
    assert "pre-registered" in text and "CRPS" in text and "log score" in text
    for p in heldout.HELDOUT_PATTERNS:
        assert p.id.split("_")[0] in text


def test_the_training_features_never_read_the_heldout_data():
    """Nothing in the calibration or the training scorer opens the held-out outcomes file."""
    from pathlib import Path
    root = Path(__file__).resolve().parents[1] / "sim"
    readers = [str(p.relative_to(root)) for p in root.rglob("*.py")
               if "heldout_outcomes" in p.read_text() and p.name != "heldout.py"]
    assert readers == []


def test_scores_carry_their_bootstrap_standard_error():
    """``se``: the sampling noise of a finite predictive ensemble (an addition to the pre-registered rules; the
    scores themselves are unchanged): zero for an ensemble that always agrees, smaller for a larger one."""
    import numpy as np

    from sim.runs.calibrate import heldout

    rng = np.random.default_rng(0)

    def feats(n, p):
        out = {pat.id: (rng.random(n) < p).astype(float) for pat in heldout.HELDOUT_PATTERNS}
        out.update({f"russia_burden_{y}": rng.normal(3.0, 1.0, n) for y in heldout.BURDEN_YEARS})
        return out

    small = heldout.score(feats(100, 0.3), "m").set_index("item")
    large = heldout.score(feats(2000, 0.3), "m").set_index("item")
    assert (small["se"] >= 0).all() and large.loc["total log score", "se"] < small.loc["total log score", "se"]
    plain = heldout.score(feats(100, 0.3), "m", bootstrap=0)
    assert "se" not in plain
    sure = feats(50, 1.0)
    s = heldout.score(sure, "m").set_index("item")
    assert s.loc[heldout.HELDOUT_PATTERNS[0].id, "se"] == pytest.approx(0.0, abs=1e-12)
