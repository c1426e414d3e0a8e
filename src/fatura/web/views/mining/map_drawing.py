"""The process map as an SVG laid out here (no JavaScript; the KPI charts are in
:mod:`.kpi_charts`).

Layout: activities sorted by where they first occur in a case (mean position); an edge is
*forward* when it goes to a later activity in that order, and an activity's layer is one more
than the deepest layer among its forward predecessors (longest path over a DAG). Inside a
layer, nodes are placed by the mean x of their predecessors (a barycenter sweep). Forward edges
go from the bottom of a box to the top of another; backward edges (loops, rework) curve on the
right. Boxes and edges are links (keyboard-focusable) to the cases behind them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.html import escape

from fatura.eventlog.activities import label
from fatura.web.views.mining.data import MapData

START, END = "\x00start", "\x00end"  # never an activity name
NODE_W, NODE_H, TERMINAL_W = 240, 48, 96
GAP_X, GAP_Y, MARGIN = 44, 84, 24
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
BRAND = (11, 83, 148)  # #0b5394

# href(activity=..., source=..., target=...) -> the page URL listing those cases
Href = Callable[..., str]


@dataclass
class Node:
    name: str
    count: int
    layer: int = 0
    x: float = 0.0
    y: float = 0.0

    @property
    def terminal(self) -> bool:
        return self.name in (START, END)

    @property
    def width(self) -> float:
        return TERMINAL_W if self.terminal else NODE_W


@dataclass(frozen=True)
class MapEdge:
    source: str
    target: str
    count: int
    mean_seconds: float | None


@dataclass(frozen=True)
class Shown:
    activities: list[str]
    edges: list[MapEdge]
    total_activities: int
    total_edges: int


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h".replace(".", ",")
    return f"{seconds / 86400:.1f} d".replace(".", ",")


def count_text(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def select(data: MapData, activities_pct: int, paths_pct: int) -> Shown:
    """Keep the most frequent ``activities_pct``% activities, then the most frequent
    ``paths_pct``% edges among them (start and end edges included)."""
    names = list(data.activities)  # by count, descending
    kept = set(names[: max(1, math.ceil(len(names) * activities_pct / 100))]) if names else set()
    edges = [
        MapEdge(e.source, e.target, e.count, e.mean_seconds)
        for e in data.edges
        if e.source in kept and e.target in kept
    ]
    edges += [MapEdge(START, a, n, None) for a, n in data.start.items() if a in kept]
    edges += [MapEdge(a, END, n, None) for a, n in data.end.items() if a in kept]
    edges.sort(key=lambda e: (-e.count, e.source, e.target))
    shown = edges[: math.ceil(len(edges) * paths_pct / 100)]
    # Each activity keeps its most frequent way in and out, so no box floats alone.
    needed: dict[tuple[str, int], MapEdge] = {}
    for e in edges:  # most frequent first: the first seen is kept
        needed.setdefault((e.source, 0), e)
        needed.setdefault((e.target, 1), e)
    extra = set(needed.values()) - set(shown)
    shown = sorted([*shown, *extra], key=lambda e: (-e.count, e.source, e.target))
    ordered = [n for n in names if n in kept]
    return Shown(ordered, shown, len(names), len(edges))


def _layout(data: MapData, shown: Shown) -> dict[str, Node]:
    """Place the boxes from every edge among the shown activities (not only the shown edges),
    so moving the "caminhos" slider does not move the boxes."""
    order = sorted(shown.activities, key=lambda a: (data.first_position.get(a, 0.0), a))
    rank = {a: i for i, a in enumerate(order)}
    rank[START], rank[END] = -1, len(order)
    nodes = {a: Node(a, data.activities[a]) for a in order}
    nodes[START] = Node(START, sum(n for a, n in data.start.items() if a in rank))
    nodes[END] = Node(END, sum(n for a, n in data.end.items() if a in rank))
    preds: dict[str, dict[str, int]] = {a: {} for a in nodes}
    every = [(e.source, e.target, e.count) for e in data.edges]
    every += [(START, a, n) for a, n in data.start.items()] + [
        (a, END, n) for a, n in data.end.items()
    ]
    for source, target, count in every:
        if source in rank and target in rank and rank[source] < rank[target]:
            preds[target][source] = count
    for name in [*order, END]:
        nodes[name].layer = 1 + max((nodes[p].layer for p in preds[name]), default=0)
    layers: dict[int, list[Node]] = {}
    for node in sorted(nodes.values(), key=lambda n: rank[n.name]):
        layers.setdefault(node.layer, []).append(node)
    widest = max(sum(n.width for n in row) + GAP_X * (len(row) - 1) for row in layers.values())
    for depth in sorted(layers):
        row = layers[depth]
        if depth:  # barycenter of the predecessors already placed, weighted by count
            row.sort(key=lambda n: _barycenter(n, preds, nodes))
        width = sum(n.width for n in row) + GAP_X * (len(row) - 1)
        x = MARGIN + (widest - width) / 2
        for node in row:
            node.x, node.y = x, MARGIN + depth * (NODE_H + GAP_Y)
            x += node.width + GAP_X
    return nodes


def _barycenter(node: Node, preds: dict[str, dict[str, int]], nodes: dict[str, Node]) -> float:
    weights = preds[node.name]
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum((nodes[p].x + nodes[p].width / 2) * n for p, n in weights.items()) / total


def _fill(count: int, top: int) -> tuple[str, str]:
    """Box colour by frequency (light to the brand blue) and a readable text colour."""
    t = 0.15 + 0.85 * (count / top if top else 0)
    r, g, b = (round(255 + (c - 255) * t) for c in BRAND)
    return f"#{r:02x}{g:02x}{b:02x}", "#ffffff" if t > 0.55 else "#101828"


def _short(text: str, size: int = 30) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def _edge_path(a: Node, b: Node, slot_out: float, slot_in: float) -> tuple[str, float, float]:
    if a.name == b.name:  # a self-loop on the right side
        x, y = a.x + a.width, a.y + NODE_H / 2
        d = (
            f"M{x:.1f},{y - 10:.1f} C{x + 46:.1f},{y - 34:.1f} "
            f"{x + 46:.1f},{y + 34:.1f} {x:.1f},{y + 10:.1f}"
        )
        return d, x + 36, y
    if b.layer > a.layer:
        x0, y0 = a.x + a.width / 2 + slot_out, a.y + NODE_H
        x1, y1 = b.x + b.width / 2 + slot_in, b.y
        bend = (y1 - y0) * 0.5
        span = b.layer - a.layer
        side = 0.0 if span == 1 else (1 if x1 >= x0 else -1) * (60 + 20 * span)
        c0 = (x0 + side, y0 + bend)
        c1 = (x1 + side, y1 - bend)
    else:  # backward: out of the right side, back into the right side
        x0, y0 = a.x + a.width, a.y + NODE_H / 2 + slot_out / 3
        x1, y1 = b.x + b.width, b.y + NODE_H / 2 + slot_in / 3
        reach = 50 + 22 * (a.layer - b.layer)
        c0 = (max(x0, x1) + reach, y0)
        c1 = (max(x0, x1) + reach, y1)
    d = f"M{x0:.1f},{y0:.1f} C{c0[0]:.1f},{c0[1]:.1f} {c1[0]:.1f},{c1[1]:.1f} {x1:.1f},{y1:.1f}"
    mx = (x0 + 3 * c0[0] + 3 * c1[0] + x1) / 8
    my = (y0 + 3 * c0[1] + 3 * c1[1] + y1) / 8
    return d, mx, my


def _slots(shown: Shown, nodes: dict[str, Node]) -> dict[tuple[str, str], tuple[float, float]]:
    """Spread the edges leaving (entering) a box along its bottom (top) edge."""
    out: dict[str, list[MapEdge]] = {}
    into: dict[str, list[MapEdge]] = {}
    for e in shown.edges:
        out.setdefault(e.source, []).append(e)
        into.setdefault(e.target, []).append(e)
    slots: dict[tuple[str, str], list[float]] = {
        (e.source, e.target): [0.0, 0.0] for e in shown.edges
    }
    for side, groups, other in ((0, out, "target"), (1, into, "source")):
        for name, edges in groups.items():
            edges.sort(key=lambda e: nodes[getattr(e, other)].x)
            step = min(14.0, nodes[name].width * 0.7 / max(len(edges), 1))
            for k, e in enumerate(edges):
                slots[(e.source, e.target)][side] = (k - (len(edges) - 1) / 2) * step
    return {key: (v[0], v[1]) for key, v in slots.items()}


def process_map_svg(
    data: MapData,
    shown: Shown,
    *,
    mode: str = "frequency",
    href: Href | None = None,
    selected: tuple[str, ...] = (),
) -> str:
    """The map as a standalone SVG document (inline styles, so the downloaded file looks the
    same). ``mode``: ``frequency`` labels edges with their count, ``time`` with the mean time
    between the two activities. ``href`` makes boxes and edges links."""
    if not shown.activities:
        return ""
    nodes = _layout(data, shown)
    top_node = max(n.count for n in nodes.values() if not n.terminal) or 1
    top_edge = max((e.count for e in shown.edges), default=1)
    slots = _slots(shown, nodes)
    width = max(n.x + n.width for n in nodes.values()) + MARGIN
    height = max(n.y for n in nodes.values()) + NODE_H + MARGIN
    right = 0.0
    parts_edges: list[str] = []
    for e in sorted(shown.edges, key=lambda e: e.count):  # thick (frequent) edges on top
        a, b = nodes[e.source], nodes[e.target]
        d, mx, my = _edge_path(a, b, *slots[(e.source, e.target)])
        right = max(right, mx + 40)
        stroke = 1.2 + 7 * e.count / top_edge
        ink = "#f79009" if selected == (e.source, e.target) else "#5b6b7f"
        text = (
            count_text(e.count)
            if mode != "time" or e.mean_seconds is None
            else duration_text(e.mean_seconds)
        )
        title = (
            f"{_title(e.source)} → {_title(e.target)}: {count_text(e.count)} "
            f"vez(es); tempo médio {duration_text(e.mean_seconds)}"
        )
        body = (
            f'<path d="{d}" fill="none" stroke="{ink}" stroke-opacity="0.75" '
            f'stroke-width="{stroke:.1f}" marker-end="url(#pm-arrow)"/>'
            f'<text x="{mx:.1f}" y="{my + 4:.1f}" text-anchor="middle" font-size="12" '
            f'fill="#1d2939" stroke="#ffffff" stroke-width="4" paint-order="stroke">'
            f"{escape(text)}</text>"
        )
        parts_edges.append(_link(body, title, e, href, "pm-edge"))
    parts_nodes = [_node(n, top_node, href, selected == (n.name,)) for n in nodes.values()]
    width = max(width, right + MARGIN)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="process-map" role="group" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'font-family="{FONT}" aria-label="Mapa do processo">'
        '<defs><marker id="pm-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#5b6b7f"/></marker></defs>'
        f'<rect width="100%" height="100%" fill="#ffffff"/>'
        f"<g>{''.join(parts_edges)}</g><g>{''.join(parts_nodes)}</g></svg>"
    )


def _title(name: str) -> str:
    return {START: "Início", END: "Fim"}.get(name) or label(name)


def _link(body: str, title: str, e: MapEdge, href: Href | None, cls: str) -> str:
    if href is None or START in (e.source, e.target) or END in (e.source, e.target):
        return f"<g><title>{escape(title)}</title>{body}</g>"
    url = href(source=e.source, target=e.target)
    return (
        f'<a href="{escape(url)}" class="{cls}" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{body}</a>"
    )


def _node(n: Node, top: int, href: Href | None, chosen: bool = False) -> str:
    if n.terminal:
        fill = "#38761d" if n.name == START else "#a61c00"
        return (
            f"<g><title>{_title(n.name)}: {count_text(n.count)} caso(s)</title>"
            f'<rect x="{n.x:.1f}" y="{n.y + 6:.1f}" width="{n.width}" height="{NODE_H - 12}" '
            f'rx="18" fill="{fill}"/>'
            f'<text x="{n.x + n.width / 2:.1f}" y="{n.y + NODE_H / 2 + 5:.1f}" '
            f'text-anchor="middle" font-size="13" font-weight="600" fill="#ffffff">'
            f"{_title(n.name)}</text></g>"
        )
    fill, ink = _fill(n.count, top)
    name = label(n.name)
    title = f"{name}: {count_text(n.count)} evento(s)"
    body = (
        f'<rect x="{n.x:.1f}" y="{n.y:.1f}" width="{n.width}" height="{NODE_H}" rx="6" '
        f'fill="{fill}" stroke="{"#f79009" if chosen else "#0b3d6b"}" '
        f'stroke-width="{3 if chosen else 1}"/>'
        f'<text x="{n.x + n.width / 2:.1f}" y="{n.y + 20:.1f}" text-anchor="middle" '
        f'font-size="12.5" font-weight="600" fill="{ink}">{escape(_short(name))}</text>'
        f'<text x="{n.x + n.width / 2:.1f}" y="{n.y + 38:.1f}" text-anchor="middle" '
        f'font-size="12" fill="{ink}">{count_text(n.count)}</text>'
    )
    if href is None:
        return f"<g><title>{escape(title)}</title>{body}</g>"
    return (
        f'<a href="{escape(href(activity=n.name))}" class="pm-node" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{body}</a>"
    )
