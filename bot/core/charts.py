"""Bar charts drawn on the server, as SVG: no script, readable without colour.

Pure: numbers in, an SVG string out. Each bar is labelled with its series' name and
its number, in words beside it, and each series has its own fill pattern (solid,
stripes, dots), so nothing depends on telling colours apart. The screen puts the same
numbers in a table beside each chart.
"""

from __future__ import annotations

from html import escape

WIDTH = 560
INDENT = 12  # the bars, under their group's name
BAR_AREA = 400  # the longest bar (its words beside it)
LABEL_CHARS = 80  # a longer group name is cut short here (the table has it whole)
BAR_HEIGHT = 16
GAP = 4  # between the bars of a group
GROUP_GAP = 14  # between groups
INK = "#1a1a1a"  # text and outlines: dark on white for every reader
FILL = "#1d4f91"
PATTERNS = ("solid", "stripes", "dots")


def _defs(prefix: str) -> str:
    """The fill patterns, one per series (named by the chart, so ids never clash)."""
    return (
        f'<defs><pattern id="{prefix}-stripes" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<rect width="3" height="6" fill="{FILL}"/></pattern>'
        f'<pattern id="{prefix}-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="#ffffff"/>'
        f'<circle cx="2.5" cy="2.5" r="1.6" fill="{FILL}"/></pattern></defs>')


def _fill(prefix: str, index: int) -> str:
    pattern = PATTERNS[index % len(PATTERNS)]
    return FILL if pattern == "solid" else f"url(#{prefix}-{pattern})"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def bar_chart(chart_id: str, title: str, groups: list[str], series: list[str],
              values: list[list[float]], unit: str = "") -> str:
    """Horizontal bars: for each group (a role, a month...), one bar per series (sent,
    started...), `values[group][series]`. `unit` follows each number ("minutes")."""
    prefix = escape(chart_id, quote=True)
    most = max((value for row in values for value in row), default=0) or 1
    rows, y = [], 8
    for group, row in zip(groups, values, strict=True):
        rows.append(f'<text x="0" y="{y + BAR_HEIGHT - 4}" fill="{INK}" '
                    f'font-size="13" font-weight="bold">{escape(_short(group))}</text>')
        y += BAR_HEIGHT + GAP
        for index, (name, value) in enumerate(zip(series, row, strict=True)):
            length = max(round(BAR_AREA * value / most), 1 if value else 0)
            words = f"{name}: {_number(value)}{' ' + unit if unit else ''}"
            rows.append(
                f'<rect x="{INDENT}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
                f'fill="{_fill(prefix, index)}" stroke="{INK}" stroke-width="1"/>'
                f'<text x="{INDENT + length + 6}" y="{y + BAR_HEIGHT - 4}" '
                f'fill="{INK}" font-size="12">{escape(words)}</text>')
            y += BAR_HEIGHT + GAP
        y += GROUP_GAP - GAP
    if not groups:
        rows.append(f'<text x="0" y="20" fill="{INK}" font-size="13">Nothing to show yet.</text>')
        y = 32
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {WIDTH} {y}" width="{WIDTH}" height="{y}" '
            f'aria-labelledby="{prefix}-title" font-family="sans-serif">'
            f'<title id="{prefix}-title">{escape(title)}</title>'
            f'{_defs(prefix)}{"".join(rows)}</svg>')
