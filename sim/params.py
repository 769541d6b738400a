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
    "depreciation": _P(0.08, 0.04, 0.15, "annual depreciation of the military capability stock", "design choice: the standard perpetual-inventory assumption (docs/economy.md)", "M1"),
    "fiscal_reference_years": _P(8.7, 3.0, 20.0, "half-life (years) at which the fiscal reference (the economy a state's commitments were sized for) adapts toward current GDP after a fall; fiscal capacity = GDP / reference (budgets adapt to a new normal)", "theory, not fitted: = ln 2 / depreciation (0.08): the commitments a budget carries (forces, personnel, procurement) were sized for the economy of their time and turn over at the rate the capability stock depreciates, so the economy they were sized for is forgotten at that rate; replaces 10 years, which had been chosen with the 2014-15 rouble fall in view (docs/economy.md). Capacity constraint: Chamberlain 2013, ch. III, “IR Theory and the Bush Administration”", "M1"),
    "fiscal_memory": _P(0.15, 0.05, 0.5, "quarterly speed at which fiscal capacity follows the economy's recent growth", "Chamberlain 2013, ch. III, “IR Theory and the Bush Administration” (capacity constraint)", "M1"),
    "force_gdp_damage": _P(0.05, 0.01, 0.15, "share of the target's GDP a use of force destroys (then recovering with gdp_damage_half_life)", "pre-2014 evidence: Collier 1999 (a state at war grows about 2.2 points a year more slowly, so a war of two years costs some 4-5 % of output); Cerra & Saxena 2008 (output lost to wars and crises is on average not regained); judgement for a short war on a small state", "M1"),
    "force_gdp_cost_attacker": _P(0.0, 0.0, 0.02, "share of Russia's own GDP a use of force against a small neighbour destroys", "judgement from pre-2014 cases: Russia's wars on far smaller neighbours (Transnistria 1992, Georgia 2008) left no trace in its output apart from the 2008-09 crisis; its cost comes through the sanctions that answer force (response rules)", "M1"),
    "sanctions_gdp_cost": _P(0.02, 0.005, 0.06, "share of the target's GDP a full sanctions regime (level 1) costs while in force", "Hufbauer, Schott, Elliott & Oegg 2007, ch. 4 (costs to targets, annualised, mostly a few per cent of GNP or less; comprehensive UN embargoes far more)", "M1"),
    "gdp_damage_half_life": _P(2.0, 0.5, 10.0, "half-life (years) of GDP damage once force ends or sanctions are lifted (also the speed at which sanctions' cost builds up)", "judgement between Chen, Loayza & Reynal-Querol 2008 (output recovers once peace holds) and Cerra & Saxena 2008 (lost output is on average not regained: the top of the range)", "M1"),
    # --- M2 threat
    "power_exponent": _P(1.0, 0.5, 2.0, "a in power^a: how steeply threat grows with relative power", "Walt 1987 (aggregate power)", "M2"),
    "kappa": _P(0.35, 0.05, 0.8, "floor of threat whatever the intentions (offensive-realist reading)", "docs/theory.md §4 (M2); Mearsheimer 2001", "M2"),
    "alliance_cohesion": _P(0.7, 0.3, 1.0, "weight of allies' capabilities in a bloc's power", "Walt 1987; Steinel 2007, §2 (cohesion from shared threat perception)", "M2"),
    "foothold_exposure": _P(0.5, 0.0, 1.0, "exposure a host feels from foreign forces on its own soil, relative to a full border", "docs/theory.md §3 (forces abroad)", "M2"),
    "core_distance_km": _P(1000.0, 500.0, 2000.0, "distance (km) between two capitals at which their border weighs half as much in exposure as a border at the core: w = 1/(1 + d/scale)", "Walt 1987 (proximity); design choice: the order of the distances between Moscow and its neighbours' capitals (Minsk 680 km, Kyiv 760 km, Warsaw 1150 km)", "M2"),
    # --- M3 broad security
    "w_military": _P(1.0, 0.5, 1.5, "weight of military threat in insecurity", "docs/theory.md §4 (M3)", "M3"),
    "status_weight": _P(0.6, 0.0, 1.5, "weight of the status gap C(1-voice) in a great power's insecurity", "Sushentsov & Wohlforth 2020 (broad security: status)", "M3"),
    "sphere_weight": _P(0.8, 0.0, 1.5, "weight of sphere loss in Russia's insecurity", "Sushentsov & Wohlforth 2020; Chamberlain 2013, ch. II, “Realism” (spheres of influence)", "M3"),
    "regime_weight": _P(0.4, 0.0, 1.5, "weight of Western-backed regime change near Russia", "Chamberlain 2013, ch. III, “The Bush Years” (colour revolutions); Sushentsov & Wohlforth 2020 (regime security)", "M3"),
    "territorial_only": _P(0.0, 0.0, 1.0, "switch (1 = on): status, sphere and regime weights set to 0", "docs/theory.md §2 claim (c)", "M3"),
    "expansion_only": _P(0.0, 0.0, 1.0, "switch (1 = on): the order term reads NATO's expansion, not its centrality: NATO's governing function stays at initial_function (operations, recognitions and Russia's voice in joint bodies no longer move C) and voice no longer offsets the status gap, so C moves only with membership and the ladder", "docs/theory.md §2 claim (b), its rival; Sushentsov & Wohlforth 2020 (centrality, not expansion)", "C"),
    "regime_memory_years": _P(3.0, 1.0, 8.0, "half-life (years) of the regime threat of a colour revolution", "Chamberlain 2013, ch. III, “The Bush Years” (colour revolutions as threat)", "M3"),
    # --- ladder of ties to NATO (world data varied like parameters; sim/mechanisms/security.py LADDER_TABLES; none = 0 and member = 1 are definitions)
    "loss_partner": _P(0.15, 0.075, 0.25, "expected loss to Russia of a NATO partner (M3 drift, M9 stake)", "docs/theory.md §9 (stakes against protection: the loss rises along the ladder); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M3"),
    "loss_aspirant": _P(0.35, 0.25, 0.475, "expected loss to Russia of a state that has applied or been named a candidate", "docs/theory.md §9 (stakes against protection); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M3"),
    "loss_pledged": _P(0.6, 0.475, 0.65, "expected loss to Russia of a state promised membership without a MAP", "docs/theory.md §9; Burns 2008 (membership for Ukraine and Georgia as Russia's red line); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M3"),
    "loss_map": _P(0.7, 0.65, 0.8, "expected loss to Russia of a state with a Membership Action Plan", "docs/theory.md §9; Burns 2008; design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M3"),
    "loss_invited": _P(0.9, 0.8, 0.95, "expected loss to Russia of a state invited to join", "docs/theory.md §9 (an invitation is nearly accession); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M3"),
    "protection_pledged": _P(0.05, 0.025, 0.15, "protection a membership pledge gives now (Article 5 = 1; none below a pledge)", "docs/theory.md §9 (protection is what commitments give now: a pledge almost none); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M3"),
    "protection_map": _P(0.25, 0.15, 0.375, "protection a Membership Action Plan gives now", "docs/theory.md §9 (stakes against protection); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M3"),
    "protection_invited": _P(0.5, 0.375, 0.75, "protection an invitation gives before accession", "docs/theory.md §9 (stakes against protection); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M3"),
    "coverage_partner": _P(0.2, 0.1, 0.225, "weight of a partner in NATO's coverage of Europe (centrality C, expected membership)", "docs/theory.md §3 (C: the share of Europe whose security runs through NATO); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "C"),
    "coverage_aspirant": _P(0.25, 0.225, 0.325, "weight of an aspirant in NATO's coverage of Europe", "docs/theory.md §3; design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "C"),
    "coverage_pledged": _P(0.4, 0.325, 0.45, "weight of a pledged state in NATO's coverage of Europe", "docs/theory.md §3; design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "C"),
    "coverage_map": _P(0.5, 0.45, 0.675, "weight of a MAP holder in NATO's coverage of Europe", "docs/theory.md §3; design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "C"),
    "coverage_invited": _P(0.85, 0.675, 0.925, "weight of an invitee in NATO's coverage of Europe", "docs/theory.md §3; design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "C"),
    "holding_aspirant": _P(0.05, 0.025, 0.125, "share of an aspirant the West holds in Russia's exposure (M2; nothing of a partner)", "Walt 1987 (proximity); docs/theory.md §3 (forces abroad); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M2"),
    "holding_pledged": _P(0.2, 0.125, 0.25, "share of a pledged state the West holds in Russia's exposure", "Walt 1987 (proximity); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M2"),
    "holding_map": _P(0.3, 0.25, 0.5, "share of a MAP holder the West holds in Russia's exposure", "Walt 1987 (proximity); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M2"),
    "holding_invited": _P(0.7, 0.5, 0.85, "share of an invitee the West holds in Russia's exposure", "Walt 1987 (proximity); design choice: ranges meet at the midpoints with the neighbouring levels, so any sample keeps the table rising", "M2"),
    "holding_expected_weight": _P(0.5, 0.0, 1.0, "share of a named candidate's expected accession counted as held by the West in Russia's exposure (Russia looks ahead)", "design choice: half, as a candidate's territory is not yet NATO's; Walt 1987 (proximity)", "M2"),
    "eu_loss_association": _P(0.3, 0.15, 0.375, "expected loss to Russia of a state's EU association agreement (M3 drift, M9 stake)", "design choice: an EU tie carries no military commitment, so it counts less than a NATO aspirant's; Russia's 2013 trade pressure on Ukraine, Moldova and Armenia over association agreements (Charap & Colton 2017) sets it well above a partnership. Restated from facts up to mid-2013 (the earlier reason cited the Maidan); value unchanged", "M3"),
    "eu_loss_member": _P(0.45, 0.375, 0.6, "expected loss to Russia of a state's EU membership", "design choice: below a NATO pledge (no military commitment; Russia opposed the 2004 NATO enlargement far more than the EU's), above association; range up to a pledge's loss", "M3"),
    "drift_alignment_weight": _P(0.5, 0.25, 1.0, "Western drift counted per unit of Western alignment without any tie (M3 sphere loss, M9 stake)", "design choice: leaning West without a tie counts at most half a full loss, between an aspirant and a pledge", "M3"),
    # --- M4 beliefs
    "distinguishability": _P(2.0, 0.5, 5.0, "log-odds per unit of harm by which a misperceiving observer (misperception 1) over-reads a hostile act as revealing a non-security-seeker", "Glaser 1997; Jervis 1978 (offense-defense distinguishability)", "M4"),
    "misperception": _P(0.5, 0.0, 1.5, "others' hostile acts read as more revealing than they are", "Jervis 1976 (Perception and Misperception)", "M4"),
    "empathy": _P(0.3, 0.0, 1.0, "how far an observer discounts an act the actor's own insecurity explains", "Izzo 2022 (the West ignored its counterpart's perspective); Booth & Wheeler 2008", "M4"),
    "type_switch_hazard": _P(0.034, 0.0, 0.1, "per-quarter probability that a type may change: the prediction step p0+(1-h)(p-p0)", "leadership turnover 1992-2013: three changes of president in 88 quarters in Russia (2000, 2008, 2012) and in the USA (1993, 2001, 2009) - a new leader may be a new type; docs/theory.md §9 (belief saturation); Kydd 2005", "M4"),
    "max_log_lr": _P(0.5, 0.2, 2.0, "bound on |log likelihood ratio| of a quarter's evidence, per type against S (odds move at most x1.65 a quarter)", "docs/theory.md §4 (M4: bounded ratios, beliefs never lock): with the hazard, a belief pushed to the bound every quarter settles near 0.03 instead of locking (docs/model.md)", "M4"),
    "private_uncertainty": _P(0.25, 0.05, 0.6, "s.d. of what an observer cannot see in a rival's decision margin (its private values and information), added to the decision noise when the observer computes how likely each type was to act so", "Jervis 1976 (intentions are hard to read); design choice (docs/model.md, M4)", "M4"),
    "perception_noise": _P(0.15, 0.0, 0.5, "s.d. of the observer's noise on the log-likelihood ratio of a quarter's evidence (log-odds units)", "Jervis 1976", "M4"),
    "arming_observation_noise": _P(0.005, 0.001, 0.02, "s.d. (share of GDP) with which an observer sees a rival's military burden: arming is a continuous act, so no likelihood is 0 or infinite", "SIPRI revisions: Russia's 1992 burden 4.76 % in the WDI 2018 vintage, 4.43 % in the SIPRI 2025 release - a third to half a point between vintages", "M4"),
    "act_value": _P(0.0, -0.5, 0.5, "common value (before type motives) of a Western act such as an offer, an operation or a posture change, in margin units: 0 = a coin flip for a security seeker", "design choice: indifference (docs/model.md, M4)", "M4"),
    "act_noise": _P(0.3, 0.1, 1.0, "s.d. of the noise on the value of a Western act (as the M8 vote noise): how sharply a type's motive decides it", "docs/theory.md §4 (M8)", "M4"),
    "prior_russia_about_west": _P(0.45, 0.2, 0.8, "Russia's prior P(the West is not a security seeker): residual Cold War", "Steinel 2007, §2 and §2.2.4 (residual Cold War)", "M4"),
    # --- M5 stance
    "max_temptation": _P(0.95, 0.8, 0.99, "upper bound of a greedy type's temptation (t < 1 keeps the assurance threshold defined)", "Kydd 2005 (t < 1)", "M5"),
    "temptation": _P(0.3, 0.0, 0.8, "t < 1: gain from exploiting a cooperating rival", "Kydd 2005 (assurance game)", "M5"),
    "exploitation_cost": _P(0.3, 0.05, 1.0, "base cost c of being exploited", "Kydd 2005", "M5"),
    "threat_cost": _P(1.5, 0.0, 3.0, "how the cost of being exploited rises with perceived threat", "Kydd 2005; Jervis 1978 (offense dominance)", "M5"),
    "coercion_noise": _P(0.04, 0.01, 0.1, "s.d. of the noise on Russia's coercion and force decisions (M9): smaller than the stance noise because escalation is a rarer, more deliberate choice", "design choice (docs/model.md, M9)", "M9"),
    "decision_noise": _P(0.08, 0.0, 0.3, "s.d. of noise on cooperation margins", "docs/theory.md §4 (randomness)", "M5"),
    "common_threat_level": _P(0.3, 0.0, 0.6, "threat (M2 units) posed by a third party both sides face (9/11), at its onset; it decays with a one-year half-life", "Walt 1987 (states balance against the prevailing threat); Chamberlain 2013, ch. III, “The Bush Years” (9/11 cooperation)", "M2"),
    "common_threat_years": _P(1.0, 0.25, 3.0, "half-life (years) of a common threat's salience", "Chamberlain 2013, ch. III, “The Bush Years” (the post-9/11 rapprochement faded by 2003)", "M2"),
    "order_weight": _P(0.5, 0.2, 0.8, "order weight of an order revisionist (R type preset)", "Sushentsov & Wohlforth 2020 (order revisionists)", "M5"),
    "greed": _P(0.5, 0.2, 0.8, "greed weight of a greedy expansionist (G type preset)", "Sushentsov & Wohlforth 2020; Glaser 2010 (greedy states)", "M5"),
    "order_scale": _P(0.05, 0.02, 0.15, "a change of expected centrality that counts as a significant order gain or loss", "docs/theory.md §4 (M5)", "M5"),
    "sphere_scale": _P(0.05, 0.02, 0.15, "a change of Russia's sphere loss that counts as a significant gain for a greedy leader (as order_scale for centrality)", "docs/theory.md §4 (M8); design choice: the same scale as order_scale", "M8"),
    "acceptance_stance_share": _P(0.5, 0.0, 1.0, "share of its current stance margin a great power adds to the value of an offered seat (hostile states refuse offers)", "Steinel 2007, §2.2.3 (voice for consent)", "M5"),
    "consent_cost": _P(0.5, 0.0, 1.0, "cost to an order revisionist of a seat that implies consent to the other side's order, per unit of order weight and of adverse order gain", "Sushentsov & Wohlforth 2020 (consent to a NATO-centred order)", "M5"),
    "order_adaptation": _P(0.025, 0.0, 0.1, "quarterly speed at which a revisionist's reference order adapts to the expected one", "Sushentsov & Wohlforth 2020 (Russia's turn when C rose)", "M5"),
    "atrophy_prior": _P(0.45, 0.05, 0.8, "Russia's prior probability that NATO is atrophying (its expected centrality is (1 - P) x C); updated from NATO's acts", "Sushentsov & Wohlforth 2020 (Russia expected NATO to atrophy)", "M5"),
    "nato_act_rate": _P(0.25, 0.1, 0.5, "per-quarter probability that a persisting NATO takes an act that extends its role (an enlargement step, an alliance operation): Russia's likelihood of NATO's acts if it persists", "1992-2013 record: NATO took such acts in about a quarter of the 88 quarters (docs/historical-timeline.md)", "M5"),
    "atrophy_act_rate": _P(0.05, 0.0, 0.15, "the same probability if NATO is atrophying: Russia's expected atrophy is a belief updated from what NATO does", "Sushentsov & Wohlforth 2020 (Russia expected NATO to atrophy); design choice: a fifth of the persisting rate", "M5"),
    "proposal_threshold": _P(0.2, 0.05, 0.5, "order motive (order weight x C, plus the status gap) above which a cooperating Russia proposes an inclusive order", "Sushentsov & Wohlforth 2020; Ratti 2009, p. 400 (CSCE primacy proposals)", "M5"),
    "proposal_cooldown": _P(8.0, 4.0, 20.0, "quarters between two proposals of an inclusive order", "docs/theory.md §4 (M5)", "M5"),
    # --- M6 arming
    "arming_reaction": _P(0.015, 0.0, 0.05, "Richardson reaction: target burden points per unit of insecurity", "Richardson 1960", "M6"),
    "arming_fatigue": _P(0.5, 0.1, 1.0, "Richardson fatigue: pull of the burden back to its peacetime floor", "Richardson 1960", "M6"),
    "arming_speed": _P(0.05, 0.02, 0.3, "quarterly adjustment speed of effort toward its target", "Richardson 1960", "M6"),
    "peace_burden": _P(0.0164, 0.01, 0.03, "peacetime floor of a state's military burden (share of GDP)", "SIPRI 2025 (Military Expenditure Database, April 2025 release): median burden of the European NATO members of 1995, 1995-2005, 1.64 % (all European states of the world file: 1.62 %)", "M6"),
    "max_burden": _P(0.15, 0.08, 0.3, "upper bound of a state's target military burden (share of GDP) short of total war", "SIPRI: no European state above 15 % of GDP in 1992-2013 (design bound)", "M6"),
    "opportunity_reaction": _P(0.01, 0.0, 0.06, "extra target burden per unit of perceived opportunity (R and G types)", "docs/theory.md §4 (M6)", "M6"),
    # --- M7 small states
    "demand_threat": _P(3.0, 0.5, 6.0, "membership demand per unit of threat from Russia", "Walt 1987 (balancing)", "M7"),
    "demand_pull": _P(1.5, 0.0, 3.0, "demand from the West's pull (democracy, alignment)", "Chamberlain 2013, ch. II, “Liberalism” (liberal pull)", "M7"),
    "demand_cost": _P(2.0, 0.0, 4.0, "demand lost to the expected cost of Russian retaliation", "Walt 1987; Steinel 2007, §2.2.2 (reluctant bandwagoning)", "M7"),
    "demand_contagion": _P(0.8, 0.0, 2.0, "demand from neighbours' moves West", "docs/theory.md §9 (contagion)", "M7"),
    "apply_threshold": _P(0.7, 0.4, 0.9, "demand above which a state applies for membership", "docs/theory.md §4 (M7)", "M7"),
    "csto_exclusive": _P(0.0, 0.0, 1.0, "switch (1 = on): a member of the CSTO does not apply to NATO (its demand still moves its alignment); off, as in the studies of docs/results.md, a CSTO member may apply and, voted in, belongs to both", "Collective Security Treaty (Tashkent, 15 May 1992), Art. 1: its members join no alliance directed against another member; the states that turned West left it first (Georgia, Azerbaijan, Uzbekistan, 1999); docs/results.md §11", "M7"),
    "alignment_speed": _P(0.05, 0.01, 0.2, "quarterly speed of alignment toward its balancing/bandwagoning target", "Walt 1987", "M7"),
    "demand_intercept": _P(-1.5, -3.0, 0.0, "log-odds of membership demand with no threat, pull or contagion and no retaliation cost (logistic(-1.5) = 0.18)", "design choice: without a threat or a pull few states seek membership; Walt 1987 (balancing answers a threat)", "M7"),
    "pull_democracy_share": _P(0.5, 0.25, 0.75, "share of the West's pull that comes from democracy (the rest from existing alignment)", "Chamberlain 2013, ch. II, “Liberalism” (liberal attraction); design choice: equal shares", "M7"),
    "availability_base": _P(0.5, 0.25, 0.75, "the West's openness to a state that is neither partner nor named candidate (a named candidate: 1)", "Walt 1987 (states balance when an ally is available); design choice: NATO's door open in principle (Washington Treaty, Art. 10), to no state in particular", "M7"),
    "availability_partner": _P(0.5, 0.25, 1.0, "openness a partnership gives, counted as an expected accession of this size", "design choice: a partnership counts as half a named candidacy", "M7"),
    "sphere_retaliation": _P(1.0, 0.0, 2.0, "extra expected retaliation cost inside Russia's claimed sphere (1 doubles it)", "Chamberlain 2013, ch. II, “Realism” (spheres of influence); design choice: doubled", "M7"),
    "alignment_inertia": _P(0.7, 0.4, 0.9, "weight of a state's present alignment in its alignment target", "Walt 1987; design choice: alignments change slowly", "M7"),
    "balance_weight": _P(0.3, 0.1, 0.6, "weight of balancing (demand for membership, mapped to [-1, 1]) in a state's alignment target", "Walt 1987 (balancing); design choice: with alignment_inertia, a weighted mean at the defaults", "M7"),
    "bandwagon_weight": _P(0.6, 0.2, 1.0, "pull toward Russia of an overwhelming threat when no protection is available", "Walt 1987 (bandwagoning when no ally is available); Steinel 2007, §2.2.2 (reluctant bandwagoning)", "M7"),
    "overwhelming_threat": _P(0.5, 0.3, 0.8, "perceived threat from Russia above which it starts to overwhelm an unprotected state", "Walt 1987 (bandwagoning under overwhelming threat); design choice: half the largest threat", "M7"),
    "frozen_demand_damping": _P(0.7, 0.3, 1.0, "share of membership demand a frozen conflict on the state's soil removes at full strength", "docs/theory.md §4 (M9) and §9 (aftermath: NATO avoids states with open conflicts)", "M7"),
    "partnership_refusal_alignment": _P(-0.5, -0.9, -0.1, "alignment at or below which a small state refuses an offered partnership", "design choice: every post-Soviet state joined PfP by 2002, Russia's allies too (Armenia 1994, Belarus 1995), so only a firm eastern lean refuses", "M7"),
    "application_noise": _P(0.05, 0.0, 0.15, "s.d. of noise on membership demand when a state decides whether to apply", "docs/theory.md §4 (randomness); design choice: small against the apply threshold", "M7"),
    # --- M8 alliance decisions
    "applicant_base_gain": _P(0.2, 0.0, 0.5, "security value a member sees in any applicant, before the capability it adds", "Walt 1987 (aggregate power); design choice", "M8"),
    "border_shield_gain": _P(0.3, 0.0, 0.6, "extra value of an applicant to the members it borders (it shields them)", "Walt 1987 (proximity)", "M8"),
    "leader_influence": _P(0.5, 0.0, 1.0, "share of the leader's type bonus by which its leadership of the alliance (agenda setting, side payments) moves every member's margin on a decision", "design choice: under consensus the decision hangs on the least willing member, so the leader's type matters only through its leadership (docs/model.md, M8); Walt 1987 (alliance leadership)", "M8"),
    "vote_noise": _P(0.3, 0.1, 1.0, "s.d. (logistic scale) of the noise on a member's vote margin: the likelihood of NATO's decisions under each world (M8 evidence)", "docs/theory.md §4 (M8)", "M8"),
    "provocation_aversion": _P(1.0, 0.0, 3.0, "weight a member gives to provoking Russia when voting on an applicant", "docs/theory.md §4 (M8)", "M8"),
    # --- M9 coercion
    "coercion_threshold": _P(0.25, 0.1, 0.6, "Russia's stake in a neighbour above which it coerces short of force", "Chamberlain 2013, ch. II, “Realism”; docs/theory.md §4 (M9)", "M9"),
    "force_threshold_mean": _P(0.5, 0.25, 0.9, "mean of the force threshold, drawn once per run", "docs/theory.md §9 (threshold drawn once per run)", "M9"),
    "force_threshold_sd": _P(0.08, 0.0, 0.2, "s.d. of the per-run force threshold", "docs/theory.md §9", "M9"),
    "force_threshold_floor": _P(0.05, 0.0, 0.2, "floor of the per-run force threshold (a draw below it is raised to it)", "design choice: a threshold near zero would make force a quarterly routine (docs/model.md, M9)", "M9"),
    "force_capacity_min": _P(0.7, 0.4, 1.0, "fiscal capacity Russia needs before it uses force", "Chamberlain 2013, ch. III, “IR Theory and the Bush Administration” (hard balancing once the economy recovered)", "M9"),
    "force_cost": _P(0.5, 0.0, 2.0, "cost of force per unit of the target's capability relative to Russia's", "docs/theory.md §9 (threat scales with the size of the force)", "M9"),
    "refractory_quarters": _P(12.0, 4.0, 24.0, "quarters after a use of force before another", "docs/theory.md §9 (refractory period)", "M9"),
    "frozen_conflict_years": _P(10.0, 3.0, 20.0, "half-life (years) of a frozen conflict's block on the target's prospects", "docs/theory.md §9 (aftermath)", "M9"),
    "force_signal": _P(1.0, 0.3, 2.0, "harm others read into a use of force, per unit of the force's size", "docs/theory.md §4 (M9: consequences feed back)", "M9"),
    "coercion_share": _P(0.3, 0.1, 0.6, "coercion short of force read as this share of a use of force (harm to observers)", "docs/theory.md §4 (M9)", "M9"),
    "regime_pressure": _P(0.25, 0.0, 0.6, "pressure from recent Western-backed regime change in a claimed state, per unit of regime memory and importance", "Chamberlain 2013, ch. III, “The Bush Years” (colour revolutions)", "M9"),
    "greed_pressure": _P(0.3, 0.1, 0.8, "pressure a greedy type adds per unit of greed, importance and opportunity (the unprotected target's weakness in the local balance)", "Glaser 2010 (greedy states exploit opportunity); docs/theory.md §4 (M9)", "M9"),
    "force_balance_min": _P(0.6, 0.5, 0.8, "Russia's share of the local balance needed before it uses force", "docs/theory.md §4 (M9: if the local balance allows); Mearsheimer 2001", "M9"),
    "force_protection_max": _P(0.5, 0.25, 0.9, "protection (Article 5 = 1) at or above which force is deterred", "docs/theory.md §4 (M9: force against a member is deterred by Article 5)", "M9"),
    "coercion_capacity_min": _P(0.3, 0.1, 0.6, "fiscal capacity Russia needs to coerce short of force", "Chamberlain 2013, ch. III (soft balancing while weak)", "M9"),
    "coercion_cooldown": _P(0.8, 0.5, 1.0, "coercion stops when pressure falls below this share of the coercion threshold (hysteresis)", "docs/theory.md §4 (M9: escalation and cool-down)", "M9"),
    "force_offense": _P(0.5, 0.0, 1.0, "rise of Russia's perceived offense posture right after a use of force (decays with force_memory_years)", "Walt 1987 (offensive intentions); docs/theory.md §4 (M9)", "M9"),
    "force_memory_years": _P(2.0, 0.5, 5.0, "half-life (years) of the memory of a use of force in others' perception", "docs/theory.md §9 (aftermath)", "M9"),
    "west_pulses_off": _P(0.0, 0.0, 1.0, "switch (1 = on): every NATO member's stance held at cooperate — the 'Western pulses off' check", "design choice: the check that shows which patterns come from Western pulses (docs/scoring.md)", "check"),
    # --- centrality (docs/theory.md §3)
    "initial_function": _P(0.55, 0.3, 0.8, "share of European security governance run through NATO rather than the CSCE in 1992", "Ratti 2009, p. 400 (NATO's post-Cold War role); Sushentsov & Wohlforth 2020", "C"),
    "operation_centrality": _P(0.06, 0.0, 0.15, "function gained by an alliance operation (doubled without a UN mandate)", "Sushentsov & Wohlforth 2020 (Kosovo, Libya move C)", "C"),
    "inclusive_centrality": _P(0.15, 0.0, 0.4, "function lost per unit of voice Russia holds in joint institutions", "Steinel 2007, §2.2.3 (voice for consent)", "C"),
    "signal_credibility": _P(0.5, 0.2, 0.9, "probability observers attach to a 'decision'-stage enlargement signal", "Goldgeier 1999 ('not whether but when')", "C"),
    "credibility_intention": _P(0.5, 0.25, 0.625, "credibility of an 'intention'-stage enlargement signal relative to a 'decision' (times signal_credibility)", "Goldgeier 1999 (from intention to decision); design choice: ranges meet at the midpoints, so stages stay ordered", "C"),
    "credibility_study": _P(0.75, 0.625, 0.875, "credibility of a 'study'-stage enlargement signal relative to a 'decision'", "Goldgeier 1999; design choice: ranges meet at the midpoints, so stages stay ordered", "C"),
    "no_mandate_factor": _P(2.0, 1.0, 3.0, "how many times more an alliance operation without a UN mandate raises NATO's governing function", "Sushentsov & Wohlforth 2020 (Kosovo 1999 without a mandate moved C); design choice: doubled", "C"),
    "function_floor": _P(0.05, 0.0, 0.2, "lowest share of European security governance NATO keeps whatever voice Russia holds in joint bodies", "design choice: NATO keeps its collective-defence core whatever the inclusive institutions", "C"),
    # --- scenario effects (sim/engine/events.py: what scripted events and response rules do to the state)
    "invitation_expected_join": _P(1.0, 0.8, 1.0, "expected accession of a state NATO has invited", "every NATO invitation 1997-2008 ended in accession, 4-6 quarters later (10 of 10; NATO member countries and dates of accession)", "events"),
    "pledge_expected_join": _P(0.5, 0.2, 0.8, "expected accession of a state promised membership without a MAP or a date", "Bucharest Summit Declaration, 3 Apr 2008, para 23 (the pledge, with the MAP refused); Chamberlain 2013, ch. IV; judgement: as likely as not", "events"),
    "association_alignment": _P(0.1, 0.0, 0.3, "alignment toward the West gained by an EU association agreement (political dialogue, approximation of law)", "Europe Agreements 1993-96 and SAAs 2001-08 (political-dialogue titles); Chamberlain 2013, ch. II, “Liberalism” (liberal pull); judgement", "events"),
    "regime_change_operation_factor": _P(0.5, 0.0, 1.5, "how much more an operation that ends in regime change does to NATO's function (x (1 + this)): an alliance operation raises it more, a coalition outside the alliance bypasses it more", "docs/theory.md §5 (Libya 2011: regime change beyond the mandate; Iraq 2003); Sushentsov & Wohlforth 2020; judgement", "events"),
    "recognition_centrality": _P(0.06, 0.0, 0.15, "NATO function gained when the West recognises a unilateral secession without the UN", "Sushentsov & Wohlforth 2020 (Kosovo 2008 moves C); docs/theory.md §2; default = operation_centrality's", "events"),
    "posture_offense_missile_defence": _P(0.25, 0.0, 0.5, "rise of the West's offense term (M2) from deployed missile-defence sites", "Jervis 1978 (offense-defense); Chamberlain 2013, ch. III, “The Bush Years” (Russia read the 2007 sites as aimed at it); judgement", "events"),
    "posture_offense_forward_presence": _P(0.25, 0.0, 0.5, "rise of the West's offense term (M2) from Western forces deployed forward", "Jervis 1978 (offense-defense); Chamberlain 2013, ch. III, “The Bush Years” (Joint Task Force East: 'muscle flexing'); judgement", "events"),
    "posture_offense_abm_treaty": _P(0.1, 0.0, 0.3, "rise of the West's offense term (M2) from leaving the ABM treaty (a restraint removed)", "Chamberlain 2013, ch. III, “The Bush Years” (Putin 'chose not to make a big issue of it'); judgement: less than a deployment", "events"),
    "posture_plan_level": _P(0.5, 0.0, 1.0, "share of a deployment's offense counted while it is only planned", "Jervis 1976 (intentions read from announced plans); judgement: a plan signals intent but adds no capability", "events"),
    "regime_change_scale": _P(0.6, 0.3, 1.0, "change of democracy (0..1, Polity2 (p+10)/20) that counts as a full regime change: a regime change's alignment shift and regime memory scale with |change| / this", "Marshall & Jaggers 2002 (Polity IV: autocracy <= -6 to democracy >= +6 spans 12 points = 0.6)", "events"),
    "regime_alignment_shift": _P(0.4, 0.1, 0.8, "alignment moved by a full regime change, toward the West or Russia by its direction", "Bunce & Wolchik 2011 (electoral revolutions turned governments West); judgement", "events"),
    "application_review_quarters": _P(4.0, 1.0, 8.0, "quarters from a state's application (or NATO's last refusal) to NATO's vote on it (M8)", "Membership Action Plan NAC-S(99)66, 24 Apr 1999 (aspirants reviewed yearly); NATO summits and ministerials 1994-2012", "events"),
    "ratification_quarters": _P(5.0, 3.0, 8.0, "quarters from an invitation NATO's vote decided to accession", "Madrid 1997Q3 to 1999Q1 (6), Prague 2002Q4 to 2004Q1 (5), Bucharest 2008Q2 to 2009Q2 (4): NATO member countries and dates of accession; the mean", "events"),
    # --- M10 paradigms (off by default)
    "liberal": _P(0.0, 0.0, 1.0, "switch: democratic dyads discount threat; voice damps the spiral", "Chamberlain 2013, ch. II, “Liberalism”; Ratti 2009, p. 399; Doyle 1986", "M10"),
    "constructivist": _P(0.0, 0.0, 1.0, "switch: identities converge with dialogue channels, diverge after hostile acts", "Steinel 2007, §2.3.1 (Deutsch); Chamberlain 2013, ch. II, “Constructivism”", "M10"),
    "liberal_discount": _P(0.6, 0.3, 0.9, "share of the threat between two full democracies that the liberal switch removes", "Doyle 1986 (liberal peace); Chamberlain 2013, ch. II, “Liberalism”", "M10"),
    "liberal_damping": _P(0.5, 0.2, 0.8, "share of the harm read into acts that full voice in joint institutions removes (liberal switch)", "Chamberlain 2013, ch. II, “Liberalism” (institutions); Steinel 2007, §2.2.3 (voice)", "M10"),
    "identity_per_channel": _P(0.2, 0.1, 0.5, "shared-identity target per dialogue channel both sides sit in (capped at 1; constructivist switch)", "Deutsch 1957 (communication builds community); Steinel 2007, §2.3.1", "M10"),
    "identity_speed": _P(0.05, 0.01, 0.15, "quarterly speed of the shared identity toward its target", "Deutsch 1957 (community forms slowly); design choice", "M10"),
    "identity_erosion": _P(0.5, 0.1, 1.0, "shared identity lost per unit of hostile harm", "Chamberlain 2013, ch. II, “Constructivism”; design choice", "M10"),
    "identity_prior_weight": _P(0.5, 0.2, 0.8, "how far a full shared identity pulls the prior toward trust (share of the prior removed)", "Steinel 2007, §2.3.1 (Deutsch); design choice", "M10"),
    "identity_empathy": _P(0.5, 0.2, 0.8, "empathy a full shared identity adds", "Booth & Wheeler 2008 (security-dilemma sensibility); design choice", "M10"),
    # --- world data varied per run (applied when a batch is built: sim/engine/state.py make_batch)
    "importance_jitter": _P(0.0, 0.0, 0.5, "s.d. of a mean-one log-normal factor on every state's importance to Russia, drawn once per run from the seed (0: the world file's table)", "docs/theory.md §9 (world data stress-tested like parameters); design choice", "world"),
    "energy_jitter": _P(0.0, 0.0, 0.5, "s.d. of a mean-one log-normal factor on every state's dependence on Russian gas (capped at 1), drawn once per run (0: the world file)", "docs/theory.md §9 (world data stress-tested like parameters); design choice", "world"),
})

SWITCHES = ("territorial_only", "expansion_only", "liberal", "constructivist", "west_pulses_off", "csto_exclusive")


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
    from sim.mechanisms.security import check_ladder_tables  # (here: the mechanisms import this module)

    check_ladder_tables(p)  # a ladder table may not fall along the ladder: one-line error
    return p
