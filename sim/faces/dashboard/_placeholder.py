"""A tiny stand-in model for proving the dashboard platform (phase 1; to be deleted in phase 2).

Five states on a ring network pass "tension" to their neighbours. It exists only so that the
SolaraViz page, the offline assets and the browser test can be checked before the real
``SpiralModel`` exists.
"""

from __future__ import annotations

import networkx as nx
import solara
from matplotlib.figure import Figure

import mesa
from mesa.discrete_space import FixedAgent, Network
from mesa.visualization import SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

NAMES = ("RUS", "USA", "POL", "UKR", "DEU")
WORLDS = ("baseline", "realist", "liberal")


class PlaceholderState(FixedAgent):
    def __init__(self, model, cell, name):
        super().__init__(model)
        self.cell = cell
        self.name = name
        self.tension = model.random.random()

    def step(self):
        neighbours = [a for c in self.cell.neighborhood for a in c.agents]
        mean = sum(a.tension for a in neighbours) / len(neighbours)
        drift = {"baseline": 0.05, "realist": 0.1, "liberal": 0.0}[self.model.world]
        self.tension = 0.8 * self.tension + 0.2 * mean + drift * self.model.random.random()


class PlaceholderModel(mesa.Model):
    """Five states on a ring; the mean tension drifts upward. Bad input is kept, not raised."""

    def __init__(self, seed="1", world: str = "baseline"):
        self.error = None
        try:
            number = int(str(seed).strip())
            if number < 0:
                raise ValueError
        except ValueError:
            self.error = f"seed {seed!r} is not a whole number >= 0; using seed 1"
            number = 1
        if world not in WORLDS:
            self.error = f"unknown world {world!r}; using 'baseline'"
            world = "baseline"
        super().__init__(rng=number)
        self.world = world
        graph = nx.cycle_graph(len(NAMES))
        self.network = Network(graph, random=self.random)
        for i, name in enumerate(NAMES):
            PlaceholderState(self, self.network[i], name)
        self.datacollector = mesa.DataCollector(
            model_reporters={"tension": lambda m: sum(a.tension for a in m.agents) / len(m.agents)}
        )
        self.datacollector.collect(self)

    @property
    def date_label(self) -> str:
        return f"{2000 + self.steps // 4}Q{self.steps % 4 + 1}"

    def step(self):
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)


@solara.component
def NetworkView(model):
    update_counter.get()
    fig = Figure(figsize=(4, 4))
    ax = fig.subplots()
    graph = model.network.G
    agents = sorted(model.agents, key=lambda a: a.cell.coordinate)
    nx.draw_networkx(graph, pos=nx.circular_layout(graph), ax=ax,
                     labels={a.cell.coordinate: a.name for a in agents},
                     node_color=[a.tension for a in agents], cmap="coolwarm", vmin=0, vmax=1.5)
    ax.set_axis_off()
    ax.set_title("network")
    with solara.Column(classes=["spiral-network"]):
        solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value])


@solara.component
def StatusView(model):
    update_counter.get()
    with solara.Column():
        solara.Text(f"Date: {model.date_label}", classes=["spiral-date"])
        solara.Text(f"World: {model.world}", classes=["spiral-world"])
        if model.error:
            solara.Error(model.error, classes=["spiral-error"])


@solara.component
def Page():
    # one model per browser session (a module-level model would be shared by every tab)
    model = solara.use_memo(PlaceholderModel, [])
    params = {
        "seed": {"type": "InputText", "value": "1", "label": "Seed"},
        "world": {"type": "Select", "value": "baseline", "values": list(WORLDS), "label": "World"},
    }
    SolaraViz(
        model,
        components=[NetworkView, StatusView, make_plot_component("tension")],
        model_params=params,
        name="Placeholder spiral",
    )
