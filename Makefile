# The two commands of the README. Both set everything up themselves on a fresh machine.
SEEDS ?= 24
OUT ?= runs/historical
.PHONY: run test setup bench clean

setup:
	@bash scripts/setup_env.sh

run: setup
	.venv/bin/spiral run scenarios/historical.yaml --world all --seeds $(SEEDS) --out $(OUT)

test: setup
	@bash scripts/ensure_browser.sh
	.venv/bin/python -m pytest -q

bench: setup
	.venv/bin/python benchmarks/bench_run.py

clean:
	rm -rf .venv runs .pytest_cache
