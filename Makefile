# The two commands of the README. Both set everything up themselves on a fresh machine.
SEEDS ?= 24
OUT ?= runs/historical
.PHONY: run test setup bench clean study

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

bench: setup
	.venv/bin/python benchmarks/bench_run.py

clean:
	rm -rf .venv runs .pytest_cache
