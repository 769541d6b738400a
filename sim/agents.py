"""State and alliance agents (layer 3).

Each agent sits on a cell of the alliance network. Its state variables live in the model's arrays
(``model.world``), so that every mechanism updates all agents synchronously in one array operation
(docs/theory.md §4: synchronous updates) and a run stays fast; the agent is the named view a user, the dashboard
and the data collector see.
"""

from __future__ import annotations

from mesa.discrete_space import FixedAgent

from sim.mechanisms.security import LADDER_NAMES, MEMBER


class StateAgent(FixedAgent):
    """A state: economy, military effort and capability, alignment, regime, membership demand, beliefs."""

    def __init__(self, model, index: int, spec, cell):
        super().__init__(model)
        self.index = index
        self.spec = spec
        self.cell = cell

    # identity
    iso3 = property(lambda self: self.spec.iso3)
    name = property(lambda self: self.spec.name)
    position = property(lambda self: self.spec.position)
    role = property(lambda self: self.spec.role)

    # state, read from the model's arrays
    @property
    def exists(self) -> bool:
        return bool(self.model.world.exists[self.index])

    @property
    def alignment(self) -> float:
        return float(self.model.world.alignment[self.index])

    @property
    def capability(self) -> float:
        return float(self.model.world.capability[self.index])

    @property
    def burden(self) -> float:
        return float(self.model.world.effort[self.index])

    @property
    def demand(self) -> float:
        return float(self.model.world.demand[self.index])

    @property
    def ladder(self) -> str:
        return LADDER_NAMES[int(self.model.world.ladder[self.index])]

    @property
    def aspirant_level(self) -> int:
        return int(self.model.world.ladder[self.index])

    @property
    def is_nato(self) -> bool:
        return bool(self.model.world.ladder[self.index] == MEMBER)

    @property
    def is_csto(self) -> bool:
        return bool(self.model.world.csto[self.index])

    @property
    def insecurity(self) -> float:
        return float(self.model.world.insecurity[self.index])

    @property
    def cooperates(self) -> bool:
        return bool(self.model.world.stance[self.index])

    @property
    def belief_about_russia(self) -> float:
        return float(self.model.world.belief_about_russia[self.index])

    def __repr__(self) -> str:
        return f"StateAgent({self.iso3})"


class AllianceAgent(FixedAgent):
    """An alliance or institution (NATO, CSTO, EU, OSCE, PfP, PJC, NRC): members, leader, decision rule,
    open-door propensity and the voice it gives a partner (Steinel 2007)."""

    def __init__(self, model, spec, cell):
        super().__init__(model)
        self.spec = spec
        self.cell = cell

    id = property(lambda self: self.spec.id)
    name = property(lambda self: self.spec.name)
    kind = property(lambda self: self.spec.kind)
    rule = property(lambda self: self.model.alliance_rule.get(self.spec.id, self.spec.rule))

    @property
    def members(self) -> list[str]:
        return self.model.members_of(self.spec.id)

    def __repr__(self) -> str:
        return f"AllianceAgent({self.id})"
