# The two commands of the README. Both set everything up themselves on a fresh machine.
SEEDS ?= 24
OUT ?= runs/historical
.PHONY: run test setup bench clean study claims endogenous priors studies

setup:
	@bash scripts/setup_env.sh

run: setup
	.venv/bin/spiral run scenarios/historical.yaml --world all --seeds $(SEEDS) --out $(OUT)

test: setup
	@bash scripts/ensure_browser.sh
	.venv/bin/python -m pytest -q

# The reported study (docs/results.md): equal-budget calibration of the four worlds and the null model,
# model recovery, then the pre-registered held-out scores (docs/heldout.md). Not part of CI.
STUDY ?= runs/study
study: setup
	.venv/bin/spiral calibrate experiments/calibration.yaml --out $(STUDY)
	.venv/bin/spiral recover $(STUDY)
	.venv/bin/spiral heldout $(STUDY)

# The further studies of docs/results.md (not part of CI): seed 000's claims (b), (c) and the M10 modules as
# switches crossed with the worlds; model recovery with NATO deciding by its own vote; prior sensitivity.
claims: setup
	.venv/bin/spiral calibrate experiments/calibration_claims.yaml --out runs/claims
	.venv/bin/spiral recover runs/claims
	.venv/bin/spiral heldout runs/claims --runs 500
	.venv/bin/spiral heldout runs/claims --runs 500 --prior

endogenous: setup
	.venv/bin/spiral calibrate experiments/calibration_endogenous.yaml --out runs/endogenous
	.venv/bin/spiral recover runs/endogenous --per-world 100

priors: claims
	.venv/bin/spiral calibrate experiments/calibration_prior_narrow.yaml --out runs/prior_narrow
	.venv/bin/spiral calibrate experiments/calibration_prior_wide.yaml --out runs/prior_wide
	.venv/bin/python scripts/prior_sensitivity.py "uniform=runs/claims" "narrower=runs/prior_narrow" \
	    "wider=runs/prior_wide" --out runs/prior_sensitivity.csv

studies: study claims endogenous priors

bench: setup
	.venv/bin/python benchmarks/bench_run.py

clean:
	rm -rf .venv runs .pytest_cache
