import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
HISTORICAL = ROOT / "scenarios" / "historical.yaml"


@pytest.fixture(scope="session")
def mini():
    from sim.scenario import load_scenario
    return load_scenario(DATA / "mini_history.yaml")


@pytest.fixture(scope="session")
def historical():
    from sim.scenario import load_scenario
    return load_scenario(HISTORICAL)
