"""The dashboard's map and charts, drawn fast enough to replay a quarter in well under 300 ms.

Each picture is one matplotlib figure per model, kept between quarters and drawn in layers on Agg
("blitting"):

* the **static layer** — axes, ticks, grid, titles of axes, legends, colour bar, borders, the
  comparison run — is drawn once and kept as pixels; it is drawn again only when what it shows
  changes (a state appears or vanishes; a series leaves the chart's y range, which grows in "nice"
  steps so that this is rare);
* the **dynamic layer** — states, rings, threat arrows, ladder lines, this quarter's coercion and force,
  the date, the series so far — is drawn over a copy of those pixels every quarter;
* an **overlay** (the map's state labels, which must stay above the states) is drawn once with the
  static layer on a transparent canvas and composited on top.

The frame is encoded as PNG by Pillow (fast compression). Drawing a quarter this way takes a few
milliseconds instead of the ~100-200 ms of a fresh ``savefig`` per picture (docs/performance.md,
"Dashboard").

What is read from the model: ``model.state_agents`` (``iso3``, ``position``, ``exists``,
``aspirant_level``, ``capability``, ``alignment``, ``is_nato``, ``is_csto``), ``model.graph`` (node
``name``, edge ``layer``), ``model.world.exists``, ``model.threat_edges()``, ``model.event_log``,
``model.quarter``, ``model.steps``, ``model.date_label``, and the series of the DataCollector.
"""

from __future__ import annotations

import io
import math
import threading

import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import IdentityTransform
from PIL import Image

from sim.mechanisms.security import MEMBER

ALIGNMENT_CMAP = "RdBu"           # -1 red (with Russia) .. +1 blue (with the West)
NATO_BLUE, CSTO_RED, THREAT_RED, FEAR_ORANGE = "#0b3d91", "#a50f15", "#b2182b", "#f28e2b"
ATLANTIC_LON = -26.0              # where North American capitals are drawn (the map is of Europe)
HALO = [patheffects.withStroke(linewidth=1.6, foreground="white")]
EMPTY = np.empty((0, 2))


def map_xy(position) -> tuple[float, float]:
    lon, lat = position
    if lon < -30:  # across the Atlantic: drawn at the map's western edge, latitude kept
        return ATLANTIC_LON, lat
    return lon, lat


class Layers:
    """A figure drawn as a kept static layer, a per-frame dynamic layer and an optional overlay."""

    def __init__(self, fig: Figure):
        self.fig = fig
        self.canvas = FigureCanvasAgg(fig)
        self.size = self.canvas.get_width_height()
        self.key = None
        self.background = None
        self.overlay: Image.Image | None = None
        self.lock = threading.Lock()

    def redraw_static(self, overlay=()) -> None:
        """Draw everything not marked ``animated`` and keep the pixels; then the overlay, kept apart."""
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.overlay = None
        if overlay:
            renderer = self.canvas.get_renderer()
            renderer.clear()  # transparent
            for artist in overlay:
                artist.draw(renderer)
            self.overlay = Image.fromarray(np.asarray(self.canvas.buffer_rgba()).copy(), "RGBA")

    def frame(self, dynamic) -> bytes:
        """The static layer, the ``dynamic`` artists over it, the overlay on top, as PNG bytes."""
        self.canvas.restore_region(self.background)
        renderer = self.canvas.get_renderer()
        for artist in dynamic:
            if artist.get_visible():
                artist.draw(renderer)
        image = Image.frombuffer("RGBA", self.size, self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        if self.overlay is not None:
            image = Image.alpha_composite(image, self.overlay)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="png", compress_level=1)
        return out.getvalue()


def _animated(artist):
    artist.set_animated(True)
    return artist


# ----------------------------------------------------------------------------------- the map


def _arrow_polygons(p0: np.ndarray, p1: np.ndarray, widths_px: np.ndarray) -> list[np.ndarray]:
    """Arrows from ``p0`` to ``p1`` (display pixels), shaft ``widths_px`` wide, as closed polygons."""
    polys = []
    for (x0, y0), (x1, y1), w in zip(p0, p1, widths_px, strict=True):
        dx, dy = x1 - x0, y1 - y0
        length = math.hypot(dx, dy)
        if length < 1e-6:
            continue
        ux, uy = dx / length, dy / length
        nx, ny = -uy, ux
        head = min(4.0 + 1.6 * w, 0.6 * length)
        half_head = 2.2 + 1.1 * w
        bx, by = x1 - ux * head, y1 - uy * head
        h = w / 2
        polys.append(np.array([
            (x0 + nx * h, y0 + ny * h), (bx + nx * h, by + ny * h), (bx + nx * half_head, by + ny * half_head),
            (x1, y1), (bx - nx * half_head, by - ny * half_head), (bx - nx * h, by - ny * h),
            (x0 - nx * h, y0 - ny * h)]))
    return polys


class MapPainter:
    """The alliance network on the capitals' coordinates (encoding: app.py's module docstring)."""

    def __init__(self):
        self.fig = fig = Figure(figsize=(6.3, 3.75), dpi=100)
        self.layers = Layers(fig)
        self.ax = ax = fig.add_axes((0.005, 0.15, 0.87, 0.79))
        ax.set_anchor("N")
        cax = fig.add_axes((0.885, 0.27, 0.015, 0.6))
        ax.set_xlim(-29.5, 80)
        ax.set_ylim(32, 69)
        ax.set_aspect(1 / math.cos(math.radians(50)), adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.axvline(ATLANTIC_LON + 4, color="#dddddd", lw=0.8, ls=":")
        ax.text(ATLANTIC_LON, 50.5, "North\nAmerica", ha="center", fontsize=6, color="#777777")
        cbar = fig.colorbar(ScalarMappable(Normalize(-1, 1), ALIGNMENT_CMAP), cax=cax)
        cbar.set_label("alignment (−1 Russia … +1 West)", fontsize=6, labelpad=2)
        cbar.ax.tick_params(labelsize=6)
        legend = [
            Line2D([], [], marker="o", ls="", mfc="#bbbbbb", mec="#555555", ms=8, label="state (area ∝ √military capability)"),
            Line2D([], [], marker="o", ls="", mfc="none", mec=NATO_BLUE, mew=2, ms=8, label="NATO member"),
            Line2D([], [], marker="o", ls="", mfc="none", mec=CSTO_RED, mew=2, ms=8, label="CSTO member"),
            Line2D([], [], color=NATO_BLUE, ls=(0, (2, 2)), label="on the ladder to NATO (partner … invited)"),
            Line2D([], [], color="#c8c8c8", label="border"),
            Line2D([], [], color=THREAT_RED, lw=2, label="threat Russia perceives (→ Moscow)"),
            Line2D([], [], color=FEAR_ORANGE, lw=2, label="threat others perceive from Russia"),
            Line2D([], [], marker="X", ls="", color=THREAT_RED, ms=7, label="use of force this quarter"),
            Line2D([], [], marker="^", ls="", color=FEAR_ORANGE, ms=7, label="coercion this quarter"),
        ]
        ax.legend(handles=legend, loc="upper center", ncol=3, fontsize=6, frameon=False, bbox_to_anchor=(0.5, -0.005))
        self.borders = ax.add_collection(LineCollection([], colors="#c8c8c8", linewidths=0.7, zorder=1))
        # dynamic artists, in drawing order
        self.ladder = _animated(ax.add_collection(LineCollection(
            [], colors=NATO_BLUE, linestyles=(0, (2, 2)), alpha=0.5, zorder=2)))
        self.fear = _animated(ax.add_collection(PolyCollection(
            [], facecolors=FEAR_ORANGE, edgecolors="none", alpha=0.45, transform=IdentityTransform())))
        self.threat = _animated(ax.add_collection(PolyCollection(
            [], facecolors=THREAT_RED, edgecolors="none", alpha=0.85, transform=IdentityTransform())))
        self.states = _animated(ax.scatter([], [], s=[], c=[], cmap=ALIGNMENT_CMAP, vmin=-1, vmax=1,
                                           edgecolors="#555555", linewidths=0.5))
        self.rings = {flag: _animated(ax.scatter([], [], s=[], facecolors="none", edgecolors=color, linewidths=1.8))
                      for flag, color in (("is_nato", NATO_BLUE), ("is_csto", CSTO_RED))}
        self.coercion = _animated(ax.scatter([], [], marker="^", s=150, color=FEAR_ORANGE, edgecolors="black",
                                             linewidths=0.6))
        self.force = _animated(ax.scatter([], [], marker="X", s=150, color=THREAT_RED, edgecolors="black",
                                          linewidths=0.6))
        self.title = _animated(fig.text(0.44, 0.955, "", ha="center", va="bottom", fontsize=9))
        self.labels: list = []
        self.names: dict | None = None
        self.border_edges: list | None = None

    def _static(self, model, agents, xy, exists_key) -> None:
        """Borders between existing states and the labels of existing states; redrawn when states change."""
        if self.names is None:
            self.names = {n: d["name"] for n, d in model.graph.nodes(data=True)}
            self.border_edges = [(u, v) for u, v, d in model.graph.edges(data=True) if d.get("layer") == "border"]
        names, exists = self.names, model.world.exists
        self.borders.set_segments([(xy[names[u]], xy[names[v]]) for u, v in self.border_edges
                                   if names[u] in xy and names[v] in xy and exists[u] and exists[v]])
        for text in self.labels:
            text.remove()
        self.labels = [self.ax.text(x + 0.7, y + 0.6, a.iso3, fontsize=6, color="#222222", path_effects=HALO,
                                    animated=True)
                       for a in agents if a.exists for x, y in [xy[a.iso3]]]
        self.layers.redraw_static(overlay=self.labels)
        pos = self.ax.get_position()  # after the first draw: where the aspect put the axes
        self.title.set_position(((pos.x0 + pos.x1) / 2, pos.y1 + 0.012))
        self.layers.key = exists_key

    def render(self, model) -> bytes:
        with self.layers.lock:
            agents = list(model.state_agents)
            xy = {a.iso3: map_xy(a.position) for a in agents}
            alive = [a for a in agents if a.exists]
            exists_key = tuple(a.iso3 for a in alive)
            if self.layers.key != exists_key:
                self._static(model, agents, xy, exists_key)
            ax = self.ax
            hub = xy.get("BEL", (4.35, 50.85))
            ladder = [a for a in alive if 0 < a.aspirant_level < MEMBER]
            self.ladder.set_segments([(xy[a.iso3], hub) for a in ladder])
            self.ladder.set_linewidths([0.5 + 0.3 * a.aspirant_level for a in ladder] or [1.0])
            # perceived threat: arrows in display pixels, width by weight
            weights = [(s, d, w) for s, d, w in model.threat_edges() if s in xy and d in xy]
            top = max((w for _, _, w in weights), default=1.0) or 1.0
            px = self.fig.dpi / 72.0
            for into_russia, coll in ((True, self.threat), (False, self.fear)):
                chosen = [(s, d, w) for s, d, w in weights if (d == "RUS") == into_russia]
                if not chosen:
                    coll.set_verts([])
                    continue
                p0 = np.array([xy[s] for s, _, _ in chosen])
                p1 = np.array([xy[d] for _, d, _ in chosen])
                tip = p0 + 0.93 * (p1 - p0)
                widths = np.array([0.6 + 2.4 * min(w, 1.0) if into_russia else 0.3 + 1.8 * w / top
                                   for _, _, w in chosen]) * px
                coll.set_verts(_arrow_polygons(ax.transData.transform(p0), ax.transData.transform(tip), widths))
            # states: fill = alignment, size = capability, rings = NATO / CSTO
            cap = np.array([a.capability for a in alive], dtype=float)
            size = 14 + 420 * np.sqrt(cap / max(cap.max(initial=0.0), 1e-9))
            pts = np.array([xy[a.iso3] for a in alive]).reshape(-1, 2)
            self.states.set_offsets(pts)
            self.states.set_sizes(size)
            self.states.set_array(np.array([a.alignment for a in alive], dtype=float))
            for flag, ring in self.rings.items():
                chosen = np.array([bool(getattr(a, flag)) for a in alive], dtype=bool)
                ring.set_offsets(pts[chosen] if chosen.any() else EMPTY)
                # the CSTO ring outside the NATO ring, so that a state in both (the model allows it) shows both
                grow = (1.35, 40) if flag == "is_nato" else (1.9, 110)
                ring.set_sizes(size[chosen] * grow[0] + grow[1] if chosen.any() else [])
            # this quarter's emergent coercion and force
            marks = {"coercion": [], "use_of_force": []}
            if model.steps:
                for ev in model.event_log:
                    if ev["step"] == model.quarter and ev["kind"] in marks and ev["target"] in xy:
                        marks[ev["kind"]].append(xy[ev["target"]])
            self.coercion.set_offsets(np.array(marks["coercion"]) if marks["coercion"] else EMPTY)
            self.force.set_offsets(np.array(marks["use_of_force"]) if marks["use_of_force"] else EMPTY)
            self.title.set_text(f"{model.date_label}: alliance network, alignment and perceived threat")
            return self.layers.frame([self.ladder, self.fear, self.threat, self.states, *self.rings.values(),
                                      self.coercion, self.force, self.title])


# ----------------------------------------------------------------------------------- the charts


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k at or above ``value`` (> 0)."""
    if value <= 0:
        return 0.0
    scale = 10.0 ** math.floor(math.log10(value))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * scale >= value * (1 - 1e-12):
            return m * scale
    return 10 * scale


def _limits(values: list[np.ndarray], previous: tuple[float, float] | None) -> tuple[float, float]:
    """A y range holding every value with a little headroom, never narrower than ``previous``."""
    finite = [v[np.isfinite(v)] for v in values if len(v)]
    finite = [v for v in finite if len(v)]
    if finite:
        lo_v, hi_v = min(float(v.min()) for v in finite), max(float(v.max()) for v in finite)
        lo = 0.0 if lo_v >= 0 else -nice_ceiling(-lo_v * 1.04)
        hi = nice_ceiling(hi_v * 1.04) if hi_v > 0 else 0.0
        if hi <= lo:
            hi = lo + 1.0
    else:
        lo, hi = 0.0, 1.0
    if previous is not None:
        lo, hi = min(lo, previous[0]), max(hi, previous[1])
    return lo, hi


def _count_limits(values: list[np.ndarray], previous) -> tuple[float, float]:
    finite = [v[np.isfinite(v)] for v in values if len(v)]
    finite = [v for v in finite if len(v)]
    if not finite:
        lo, hi = 0.0, 5.0
    else:
        lo = 5.0 * math.floor((min(float(v.min()) for v in finite) - 1) / 5.0)
        hi = 5.0 * math.ceil((max(float(v.max()) for v in finite) + 1) / 5.0)
    if previous is not None:
        lo, hi = min(lo, previous[0]), max(hi, previous[1])
    return lo, hi


class ChartPainter:
    """A time chart of model reporters over the whole period: solid so far, the comparison run dashed.

    ``columns`` {reporter: label}; ``stacked`` the reporters drawn as stacked areas; ``twin`` reporters
    on a right-hand axis (step lines); ``scale`` multiplies the left-axis values (e.g. 100 for %).
    """

    def __init__(self, title: str, columns: dict[str, str], ylabel: str, *, start: float, end: float,
                 comparison=None, comparison_label: str | None = None, scale: float = 1.0, stacked=(),
                 twin: dict[str, str] | None = None, size=(4.5, 2.3)):
        self.columns, self.stacked, self.twin, self.scale = columns, tuple(stacked), twin or {}, scale
        self.comparison = comparison
        self.fig = fig = Figure(figsize=size, dpi=100)
        self.layers = Layers(fig)
        n_legend = len(columns) + len(self.twin) + (comparison is not None)
        ncol = 3 if n_legend > 4 else 2
        rows = math.ceil(n_legend / ncol)
        legend_h = (0.075 * rows + 0.03) * 2.3 / size[1]
        bottom = 0.1 * 2.3 / size[1] + legend_h
        self.ax = ax = fig.add_axes((0.1, bottom, 0.8 if twin else 0.87, 0.9 - bottom))
        self.colors = {c: f"C{i}" for i, c in enumerate([*self.stacked, *(c for c in columns if c not in self.stacked)])}
        ax.set_xlim(start, end)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(ylabel, fontsize=7)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
        handles = []
        for col, label in columns.items():
            if col in self.stacked:
                handles.append(Line2D([], [], lw=6, color=self.colors[col], alpha=0.55, label=label))
            else:
                handles.append(Line2D([], [], lw=1.8, color=self.colors[col], label=label))
        self.ax2 = None
        if twin:
            self.ax2 = ax2 = ax.twinx()
            ax2.set_ylabel(", ".join(twin.values()), fontsize=7)
            ax2.tick_params(labelsize=7)
            handles += [Line2D([], [], color="#555555", lw=1.4, label=label) for label in twin.values()]
        if comparison is not None:
            for col in columns:
                ax.plot(comparison.index, comparison[col] * scale, ls="--", lw=1.1, color=self.colors[col], alpha=0.9)
            for col in self.twin:
                self.ax2.step(comparison.index, comparison[col], where="post", color="#555555", lw=1.0, ls="--")
            handles.append(Line2D([], [], ls="--", color="grey", label=f"dashed: {comparison_label}"))
        fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=6, frameon=False,
                   bbox_to_anchor=(0.5, 0.0), handlelength=2.2, columnspacing=1.2)
        # dynamic artists
        self.areas = _animated(ax.add_collection(PolyCollection(
            [], facecolors=[self.colors[c] for c in self.stacked] or "none", alpha=0.55, edgecolors="none")))
        self.force_lines = _animated(ax.add_collection(LineCollection(
            [], colors=THREAT_RED, linewidths=0.8, linestyles=":", transform=ax.get_xaxis_transform())))
        self.lines = {c: _animated(ax.plot([], [], lw=1.8, color=self.colors[c])[0])
                      for c in columns if c not in self.stacked}
        self.dots = {c: _animated(ax.plot([], [], "o", ms=3.5, color=self.colors[c])[0]) for c in columns}
        self.twin_lines = {c: _animated(self.ax2.plot([], [], drawstyle="steps-post", color="#555555", lw=1.4)[0])
                           for c in self.twin}
        self.empty = _animated(ax.text(0.5, 0.5, "no quarter simulated yet: press Step or ▶", transform=ax.transAxes,
                                       ha="center", fontsize=7, color="#777777"))
        self.ylim = self.y2lim = None

    def _left_values(self, frame) -> list[np.ndarray]:
        values = []
        for source in (frame, self.comparison):
            if source is None or not len(source):
                continue
            if self.stacked:
                values.append(np.sum([source[c].to_numpy(float) for c in self.stacked], axis=0) * self.scale)
            values += [source[c].to_numpy(float) * self.scale for c in self.columns if c not in self.stacked]
        return values

    def render(self, frame, force_years=()) -> bytes:
        """PNG of the chart with the series ``frame`` (index: decimal year) and uses of force at ``force_years``."""
        with self.layers.lock:
            ylim = _limits(self._left_values(frame), self.ylim)
            y2lim = None
            if self.twin:
                y2lim = _count_limits([s[c].to_numpy(float) for s in (frame, self.comparison)
                                       if s is not None and len(s) for c in self.twin], self.y2lim)
            if (ylim, y2lim) != (self.ylim, self.y2lim) or self.layers.background is None:
                self.ylim, self.y2lim = ylim, y2lim
                self.ax.set_ylim(*ylim)
                if self.ax2 is not None:
                    self.ax2.set_ylim(*y2lim)
                self.layers.redraw_static()
            x = np.asarray(frame.index, dtype=float)
            n = len(x)
            if self.stacked and n:
                layers = np.cumsum([frame[c].to_numpy(float) * self.scale for c in self.stacked], axis=0)
                lower = np.vstack([np.zeros(n), layers[:-1]])
                self.areas.set_verts([np.column_stack([np.concatenate([x, x[::-1]]),
                                                       np.concatenate([hi, lo[::-1]])])
                                      for lo, hi in zip(lower, layers, strict=True)])
            else:
                self.areas.set_verts([])
            for col, line in self.lines.items():
                line.set_data(x, frame[col].to_numpy(float) * self.scale if n else [])
            for col, dot in self.dots.items():
                dot.set_data(x[-1:], (frame[col].to_numpy(float)[-1:] * self.scale) if n else [])
            for col, line in self.twin_lines.items():
                line.set_data(x, frame[col].to_numpy(float) if n else [])
            self.force_lines.set_segments([[(year, 0), (year, 1)] for year in force_years])
            self.empty.set_visible(n == 0)
            return self.layers.frame([self.areas, self.force_lines, *self.lines.values(), *self.twin_lines.values(),
                                      *self.dots.values(), self.empty])
