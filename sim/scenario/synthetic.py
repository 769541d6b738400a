"""Synthetic worlds of any size, for benchmarks and scaling tests (not history).

States are placed on a jittered grid east and west of 'Russia'; each borders its grid neighbours;
NATO holds the western half, Russia claims the eastern third. Events: an enlargement wave every few
years. Figures are round numbers, deterministic in ``seed``.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import build_scenario
from sim.scenario.yamlsafe import LineDict


def _ld(d):
    out = LineDict(d)
    out.file, out.line, out.key_lines = "<synthetic>", 0, {}
    return out


def synthetic_world(n_states: int, seed: int = 0, start: str = "1992Q1", end: str = "2025Q4"):
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_states)))
    names = ["RUS", "USA"] + [f"S{i:02d}"[-3:] if i < 100 else f"{chr(65 + i // 100)}{i % 100:02d}"
                              for i in range(n_states - 2)]
    names = names[:2] + [f"{chr(65 + (i // 26) % 26)}{chr(65 + i % 26)}X" for i in range(n_states - 2)]
    states, pos = [], {}
    for i, iso in enumerate(names):
        if iso == "RUS":
            p = [40.0, 55.0]
        elif iso == "USA":
            p = [-77.0, 39.0]
        else:
            r, c = divmod(i - 2, side)
            p = [float(-5 + 45 * c / side + rng.normal(0, 0.5)), float(38 + 25 * r / side + rng.normal(0, 0.5))]
        pos[iso] = p
        west = iso == "USA" or (iso not in ("RUS",) and p[0] < 15)
        states.append(_ld({
            "iso3": iso, "name": iso, "position": p,
            "role": "russia" if iso == "RUS" else "leader" if iso == "USA" else "state",
            "gdp": 6500.0 if iso == "USA" else 400.0 if iso == "RUS" else float(rng.uniform(5, 800)),
            "burden": 4.5 if iso in ("USA", "RUS") else float(rng.uniform(1, 3)),
            "cinc": 0.14 if iso == "USA" else 0.06 if iso == "RUS" else float(rng.uniform(0.0005, 0.03)),
            "democracy": float(rng.uniform(0.3, 1.0)), "alignment": 0.8 if west else float(rng.uniform(-0.5, 0.4)),
            "prior_about_russia": float(rng.uniform(0.3, 0.6)), "energy_dependence": float(rng.uniform(0, 1)),
            "importance_to_russia": float(rng.uniform(0.2, 1.0)), "history": "other", "source": "synthetic"}))
    borders = []
    others = names[2:]
    for i, a in enumerate(others):
        r, c = divmod(i, side)
        for j in (i + 1, i + side):
            if j < len(others) and (j != i + 1 or (i + 1) % side):
                borders.append(_ld({"a": a, "b": others[j], "km": float(rng.uniform(50, 800)), "kind": "land"}))
        if pos[a][0] > 30:
            borders.append(_ld({"a": a, "b": "RUS", "km": float(rng.uniform(100, 1500)), "kind": "land"}))
    west = [s["iso3"] for s in states if s["alignment"] == 0.8]
    east = sorted((s for s in states if s["iso3"] not in west and s["iso3"] != "RUS"), key=lambda s: -s["position"][0])
    sphere = [s["iso3"] for s in east[: max(1, len(east) // 3)]]
    candidates = [s["iso3"] for s in east[len(sphere):]]
    events, year = [], 1999
    for k in range(0, len(candidates), 3):
        if year > 2024:
            break
        events.append(_ld({"id": f"wave{k}", "date": f"{year}Q1", "kind": "accession", "actor": "NATO",
                           "targets": candidates[k:k + 3], "source": "synthetic"}))
        year += 3
    raw = _ld({
        "name": f"synthetic_{n_states}", "period": _ld({"start": start, "end": end}),
        "states": states, "borders": borders,
        "alliances": [_ld({"id": "NATO", "kind": "alliance", "leader": "USA", "members": west}),
                      _ld({"id": "CSTO", "kind": "alliance", "leader": "RUS", "members": ["RUS"]}),
                      _ld({"id": "OSCE", "kind": "institution", "members": names, "voice": 0.15})],
        "spheres": _ld({"RUS": sphere}), "events": events,
    })
    return build_scenario(raw)
