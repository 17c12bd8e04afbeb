"""The scales over the rounds of a case, drawn on the server as SVG, with the same
numbers as a table.

Readable without colour: each line has its own dash pattern and point shape, and its
name is written at its last point; the table beside it holds every number. No script,
no outside file: the SVG goes into the page as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from markupsafe import Markup

from bot.core.vocabulary import role_label

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 150, 20, 40  # room for the axes and the lines' names
DASHES = ("", "8 4", "2 4", "12 4 2 4", "4 4", "16 6")
SHAPES = ("circle", "square", "triangle", "diamond", "cross", "bar")


@dataclass
class Series:
    """One person's numbers on one scale question, by round."""

    name: str
    values: dict[int, int] = field(default_factory=dict)


def series(history: list[dict]) -> list[Series]:
    """A line a person (by name and role: each round invites them again) and scale."""
    lines: dict[tuple[str, str, bool], Series] = {}
    for entry in history:
        key = (entry["name"], entry["role"], bool(entry.get("common")))
        name = f"{entry['name']} ({role_label(entry['role'])})"
        if key[2]:
            name += ", common scale"
        lines.setdefault(key, Series(name)).values[entry["round"]] = entry["value"]
    return list(lines.values())


def _x(round_number: int, rounds: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if rounds == 1 else span * (round_number - 1) / (rounds - 1))


def _y(value: int) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (10 - value) / 10


def _shape(kind: str, x: float, y: float) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5"/>'
    if kind == "square":
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10"/>'
    if kind == "triangle":
        return _polygon((x, y - 6), (x + 6, y + 5), (x - 6, y + 5))
    if kind == "diamond":
        return _polygon((x, y - 6), (x + 6, y), (x, y + 6), (x - 6, y))
    if kind == "cross":
        return (f'<path d="M{x - 5:.1f},{y - 5:.1f}L{x + 5:.1f},{y + 5:.1f}'
                f'M{x - 5:.1f},{y + 5:.1f}L{x + 5:.1f},{y - 5:.1f}" stroke-width="2.5"/>')
    return f'<rect x="{x - 2:.1f}" y="{y - 7:.1f}" width="4" height="14"/>'


def _polygon(*points: tuple[float, float]) -> str:
    return f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}"/>'


def svg(lines: list[Series], rounds: list[int], title_id: str = "scale-chart-title",
        desc_id: str = "scale-chart-desc") -> Markup:
    """The chart; the page gives it the title and description these ids name."""
    count = max(rounds) if rounds else 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-labelledby="{title_id}" aria-describedby="{desc_id}" '
             f'class="scale-chart" font-size="12" font-family="sans-serif">']
    for value in range(0, 11, 2):  # the value axis, with a light line every 2
        y = _y(value)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#bbb" stroke-width="1"/>'
                     f'<text x="{LEFT - 8}" y="{y + 4:.1f}" text-anchor="end">{value}</text>')
    for number in range(1, count + 1):
        parts.append(f'<text x="{_x(number, count):.1f}" y="{HEIGHT - BOTTOM + 20}" '
                     f'text-anchor="middle">Round {number}</text>')
    for index, line in enumerate(lines):
        dash, shape = DASHES[index % len(DASHES)], SHAPES[index % len(SHAPES)]
        points = [(_x(n, count), _y(v)) for n, v in sorted(line.values.items())]
        style = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<g fill="#000" stroke="#000"><polyline fill="none" stroke-width="2"'
                     f'{style} points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}"/>')
        parts.extend(_shape(shape, x, y) for x, y in points)
        last_round = max(line.values)
        x, y = points[-1]
        parts.append(f'<text x="{x + 10:.1f}" y="{y + 4 + 13 * (index % 2):.1f}" '
                     f'stroke="none">{escape(line.name)}: {line.values[last_round]}</text></g>')
    parts.append("</svg>")
    return Markup("".join(parts))
