"""Every model parameter: default, plausible range, meaning and source.

Defaults are set from theory and pre-2014 stylised facts only (docs/theory.md §6); none is fitted to what
happened from 2014 on, and the type presets are never fitted (docs/theory.md §2). Ranges are what sweeps
sample. ``docs/model.md`` lists the same table, generated from here by ``scripts/gen_param_table.py``
(``spiral params`` prints it).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class ParamInfo:
    default: float
    low: float
    high: float
    description: str
    source: str
    mechanism: str


_P = ParamInfo
PARAMETERS: MappingProxyType = MappingProxyType({
    # --- M1 capacity
    "depreciation": _P(0.08, 0.04, 0.15, "annual depreciation of the military capability stock", "standard perpetual-inventory assumption", "M1"),
    "fiscal_reference_years": _P(10.0, 3.0, 30.0, "half-life (years) of the economic peak that fiscal capacity is measured against (budgets adapt to a new normal)", "Chamberlain 2013, ch. III, “IR Theory and the Bush Administration” (capacity constraint); design choice, docs/model.md", "M1"),
    "fiscal_memory": _P(0.15, 0.05, 0.5, "quarterly speed at which fiscal capacity follows the economy's recent growth", "Chamberlain 2013, ch. III, “IR Theory and the Bush Administration” (capacity constraint)", "M1"),
    # --- M2 threat
    "power_exponent": _P(1.0, 0.5, 2.0, "a in power^a: how steeply threat grows with relative power", "Walt 1987 (aggregate power)", "M2"),
    "kappa": _P(0.35, 0.05, 0.8, "floor of threat whatever the intentions (offensive-realist reading)", "docs/theory.md §4 (M2); Mearsheimer 2001", "M2"),
    "alliance_cohesion": _P(0.7, 0.3, 1.0, "weight of allies' capabilities in a bloc's power", "Walt 1987; Steinel 2007, §2 (cohesion from shared threat perception)", "M2"),
    "foothold_exposure": _P(0.5, 0.0, 1.0, "exposure a host feels from foreign forces on its own soil, relative to a full border", "docs/theory.md §3 (forces abroad)", "M2"),
    # --- M3 broad security
    "w_military": _P(1.0, 0.5, 1.5, "weight of military threat in insecurity", "docs/theory.md §4 (M3)", "M3"),
    "status_weight": _P(0.6, 0.0, 1.5, "weight of the status gap C(1-voice) in a great power's insecurity", "Sushentsov & Wohlforth 2020 (broad security: status)", "M3"),
    "sphere_weight": _P(0.8, 0.0, 1.5, "weight of sphere loss in Russia's insecurity", "Sushentsov & Wohlforth 2020; Chamberlain 2013, ch. II, “Realism” (spheres of influence)", "M3"),
    "regime_weight": _P(0.4, 0.0, 1.5, "weight of Western-backed regime change near Russia", "Chamberlain 2013, ch. III, “The Bush Years” (colour revolutions); Sushentsov & Wohlforth 2020 (regime security)", "M3"),
    "territorial_only": _P(0.0, 0.0, 1.0, "switch (1 = on): status, sphere and regime weights set to 0", "docs/theory.md §2 claim (c)", "M3"),
    "regime_memory_years": _P(3.0, 1.0, 8.0, "half-life (years) of the regime threat of a colour revolution", "Chamberlain 2013, ch. III, “The Bush Years” (colour revolutions as threat)", "M3"),
    # --- M4 beliefs
    "distinguishability": _P(2.0, 0.5, 5.0, "how informative acts are: log-likelihood ratio per unit of harm", "Glaser 1997; Jervis 1978 (offense-defense distinguishability)", "M4"),
    "misperception": _P(0.5, 0.0, 1.5, "others' hostile acts read as more revealing than they are", "Jervis 1976 (Perception and Misperception)", "M4"),
    "empathy": _P(0.3, 0.0, 1.0, "how far an observer discounts an act the actor's own insecurity explains", "Izzo 2022 (the West ignored its counterpart's perspective); Booth & Wheeler 2008", "M4"),
    "type_switch_hazard": _P(0.02, 0.0, 0.1, "per-quarter probability that a type may change: the prediction step b0+(1-h)(b-b0)", "docs/theory.md §9 (belief saturation); Kydd 2005", "M4"),
    "max_log_lr": _P(1.0, 0.3, 2.0, "bound on |log likelihood ratio| of any single observation", "docs/theory.md §4 (M4: bounded ratios)", "M4"),
    "perception_noise": _P(0.15, 0.0, 0.5, "s.d. of noise on perceived harm (log-odds units)", "Jervis 1976", "M4"),
    "prior_russia_about_west": _P(0.45, 0.2, 0.8, "Russia's prior P(the West is not a security seeker): residual Cold War", "Steinel 2007, §2 and §2.2.4 (residual Cold War)", "M4"),
    # --- M5 stance
    "temptation": _P(0.3, 0.0, 0.8, "t < 1: gain from exploiting a cooperating rival", "Kydd 2005 (assurance game)", "M5"),
    "exploitation_cost": _P(0.3, 0.05, 1.0, "base cost c of being exploited", "Kydd 2005", "M5"),
    "threat_cost": _P(1.5, 0.0, 3.0, "how the cost of being exploited rises with perceived threat", "Kydd 2005; Jervis 1978 (offense dominance)", "M5"),
    "decision_noise": _P(0.08, 0.0, 0.3, "s.d. of noise on cooperation margins", "docs/theory.md §4 (randomness)", "M5"),
    "common_threat_value": _P(0.3, 0.0, 0.6, "cooperation value of a threat both sides share (9/11), decaying over a year", "Walt 1987 (alliances against the prevailing threat); Chamberlain 2013, ch. III, “The Bush Years” (9/11 cooperation)", "M5"),
    "order_weight": _P(0.5, 0.2, 0.8, "order weight of an order revisionist (R type preset)", "Sushentsov & Wohlforth 2020 (order revisionists)", "M5"),
    "greed": _P(0.5, 0.2, 0.8, "greed weight of a greedy expansionist (G type preset)", "Sushentsov & Wohlforth 2020; Glaser 2010 (greedy states)", "M5"),
    "order_scale": _P(0.05, 0.02, 0.15, "a change of expected centrality that counts as a significant order gain or loss", "docs/theory.md §4 (M5)", "M5"),
    "order_adaptation": _P(0.025, 0.0, 0.1, "quarterly speed at which a revisionist's reference order adapts to the expected one", "Sushentsov & Wohlforth 2020 (Russia's turn when C rose)", "M5"),
    "atrophy_prior": _P(0.45, 0.0, 0.8, "Russia's initial expectation that NATO's role will atrophy (share of its function)", "Sushentsov & Wohlforth 2020 (Russia expected NATO to atrophy)", "M5"),
    "atrophy_learning": _P(0.005, 0.0, 0.05, "quarterly rate at which that expectation fades while NATO persists", "Sushentsov & Wohlforth 2020", "M5"),
    "proposal_threshold": _P(0.2, 0.05, 0.5, "order motive (order weight x C, plus the status gap) above which a cooperating Russia proposes an inclusive order", "Sushentsov & Wohlforth 2020; Ratti 2009, p. 400 (CSCE primacy proposals)", "M5"),
    "proposal_cooldown": _P(8.0, 4.0, 20.0, "quarters between two proposals of an inclusive order", "docs/theory.md §4 (M5)", "M5"),
    # --- M6 arming
    "arming_reaction": _P(0.015, 0.0, 0.05, "Richardson reaction: target burden points per unit of insecurity", "Richardson 1960", "M6"),
    "arming_fatigue": _P(0.5, 0.1, 1.0, "Richardson fatigue: pull of the burden back to its peacetime floor", "Richardson 1960", "M6"),
    "arming_speed": _P(0.05, 0.02, 0.3, "quarterly adjustment speed of effort toward its target", "Richardson 1960", "M6"),
    "peace_burden": _P(0.02, 0.01, 0.03, "peacetime floor of a state's military burden (share of GDP)", "SIPRI/WDI European medians 1995-2005", "M6"),
    "opportunity_reaction": _P(0.01, 0.0, 0.06, "extra target burden per unit of perceived opportunity (R and G types)", "docs/theory.md §4 (M6)", "M6"),
    # --- M7 small states
    "demand_threat": _P(3.0, 0.5, 6.0, "membership demand per unit of threat from Russia", "Walt 1987 (balancing)", "M7"),
    "demand_pull": _P(1.5, 0.0, 3.0, "demand from the West's pull (democracy, alignment)", "Chamberlain 2013, ch. II, “Liberalism” (liberal pull)", "M7"),
    "demand_cost": _P(2.0, 0.0, 4.0, "demand lost to the expected cost of Russian retaliation", "Walt 1987; Steinel 2007, §2.2.2 (reluctant bandwagoning)", "M7"),
    "demand_contagion": _P(0.8, 0.0, 2.0, "demand from neighbours' moves West", "docs/theory.md §9 (contagion)", "M7"),
    "apply_threshold": _P(0.7, 0.4, 0.9, "demand above which a state applies for membership", "docs/theory.md §4 (M7)", "M7"),
    "alignment_speed": _P(0.05, 0.01, 0.2, "quarterly speed of alignment toward its balancing/bandwagoning target", "Walt 1987", "M7"),
    # --- M8 alliance decisions
    "provocation_aversion": _P(1.0, 0.0, 3.0, "weight a member gives to provoking Russia when voting on an applicant", "docs/theory.md §4 (M8)", "M8"),
    # --- M9 coercion
    "coercion_threshold": _P(0.25, 0.1, 0.6, "Russia's stake in a neighbour above which it coerces short of force", "Chamberlain 2013, ch. II, “Realism”; docs/theory.md §4 (M9)", "M9"),
    "force_threshold_mean": _P(0.5, 0.25, 0.9, "mean of the force threshold, drawn once per run", "docs/theory.md §9 (threshold drawn once per run)", "M9"),
    "force_threshold_sd": _P(0.08, 0.0, 0.2, "s.d. of the per-run force threshold", "docs/theory.md §9", "M9"),
    "force_capacity_min": _P(0.7, 0.4, 1.0, "fiscal capacity Russia needs before it uses force", "Chamberlain 2013, ch. III, “IR Theory and the Bush Administration” (hard balancing once the economy recovered)", "M9"),
    "force_cost": _P(0.5, 0.0, 2.0, "cost of force per unit of the target's capability relative to Russia's", "docs/theory.md §9 (threat scales with the size of the force)", "M9"),
    "refractory_quarters": _P(12.0, 4.0, 24.0, "quarters after a use of force before another", "docs/theory.md §9 (refractory period)", "M9"),
    "frozen_conflict_years": _P(10.0, 3.0, 20.0, "half-life (years) of a frozen conflict's block on the target's prospects", "docs/theory.md §9 (aftermath)", "M9"),
    "force_signal": _P(1.0, 0.3, 2.0, "harm others read into a use of force, per unit of the force's size", "docs/theory.md §4 (M9: consequences feed back)", "M9"),
    # --- centrality (docs/theory.md §3)
    "initial_function": _P(0.55, 0.3, 0.8, "share of European security governance run through NATO rather than the CSCE in 1992", "Ratti 2009, p. 400 (NATO's post-Cold War role); Sushentsov & Wohlforth 2020", "C"),
    "operation_centrality": _P(0.06, 0.0, 0.15, "function gained by an alliance operation (doubled without a UN mandate)", "Sushentsov & Wohlforth 2020 (Kosovo, Libya move C)", "C"),
    "inclusive_centrality": _P(0.15, 0.0, 0.4, "function lost per unit of voice Russia holds in joint institutions", "Steinel 2007, §2.2.3 (voice for consent)", "C"),
    "signal_credibility": _P(0.5, 0.2, 0.9, "probability observers attach to a 'decision'-stage enlargement signal", "Goldgeier 1999 ('not whether but when')", "C"),
    # --- M10 paradigms (off by default)
    "liberal": _P(0.0, 0.0, 1.0, "switch: democratic dyads discount threat; voice damps the spiral", "Chamberlain 2013, ch. II, “Liberalism”; Ratti 2009, p. 399; Doyle 1986", "M10"),
    "constructivist": _P(0.0, 0.0, 1.0, "switch: identities converge with dialogue channels, diverge after hostile acts", "Steinel 2007, §2.3.1 (Deutsch); Chamberlain 2013, ch. II, “Constructivism”", "M10"),
})

SWITCHES = ("territorial_only", "liberal", "constructivist")


def defaults() -> dict[str, float]:
    return {k: p.default for k, p in PARAMETERS.items()}


def validate_overrides(params: dict, raw=None, file=None) -> None:
    """Raise a one-line ScenarioError for an unknown name or a non-numeric / out-of-range value."""
    from sim.scenario.yamlsafe import ScenarioError, nearest

    for name, value in params.items():
        line = raw.line_of(name) if hasattr(raw, "line_of") else None
        where = getattr(raw, "file", file)
        if name not in PARAMETERS:
            raise ScenarioError(where, line, f"unknown parameter {name!r}{nearest(name, PARAMETERS)}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(where, line, f"parameter {name!r} must be a number, got {value!r}")
        info = PARAMETERS[name]
        lo, hi = min(info.low, 0.0) if name in SWITCHES else info.low, info.high
        if not (lo - 1e-12 <= float(value) <= hi + 1e-12):
            raise ScenarioError(where, line, f"parameter {name!r} = {value} is outside its range [{lo}, {hi}]")


def resolve(scenario_params=None, overrides=None) -> dict[str, float]:
    """Defaults, then the scenario's parameters, then explicit overrides (validated)."""
    p = defaults()
    for src in (scenario_params or {}, overrides or {}):
        validate_overrides(dict(src))
        p.update({k: float(v) for k, v in src.items()})
    if p["territorial_only"] >= 0.5:
        p["status_weight"] = p["sphere_weight"] = p["regime_weight"] = 0.0
    return p
