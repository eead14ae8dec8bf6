"""Charts as inline SVG strings, written directly (no plotting library, no files, no network).

A report has some thirty small charts of three kinds (trend lines, grouped bars, the
monthly result); drawing them with a general plotting library cost more than everything
else in the report together, so this module lays them out itself. Text stays text in
the SVG (screen readers and search find it), every chart carries a title and a
description, element ids are prefixed per chart so several charts can share one HTML
page, and the output is byte-for-byte the same for the same data.

Coordinates are points (1/72 inch), so a chart of size (7.0, 3.2) inches is 504 × 230.4.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
MUNICIPALITY_COLOUR = "#0b4f8a"
SERIES_COLOURS = ("#0b4f8a", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#6b6b6b")
BUDGET_COLOUR = "#9a9a9a"
NEGATIVE_COLOUR = "#b3412a"
POSITIVE_COLOUR = "#1f7a4d"
# Dash patterns in units of the line width; "" is a solid line.
LINE_STYLES = ("", "3.7 1.6", "6.4 1.6 1 1.6", "1 1.65", "5 1", "3 1 1 1", "1 2")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
HATCHES = ("", "//", "..", "xx", "\\\\")

FONT_FAMILY = "'DejaVu Sans', Arial, Helvetica, sans-serif"
FONT_SIZE = 10.0
SMALL_FONT_SIZE = 8.0
AXIS_COLOUR = "#555555"
TICK_COLOUR = "#333333"
LABEL_COLOUR = "#222222"
GRID_COLOUR = "#dddddd"
# Average advance of a DejaVu Sans glyph relative to the font size; only used to leave room
# for labels, the browser places the text itself.
CHARACTER_WIDTH = 0.6
LINE_HEIGHT = 1.2
TICK_LENGTH = 3.5
TICK_PAD = 3.5
PAD = 4.0
# Above the plotting area: room for half of the top tick label.
TOP = PAD + FONT_SIZE * 0.6
MARKER_SIZE = 5.0


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    emphasis: bool = False


def swedish_number(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",").replace("-", "\u2212")


def _n(value: float) -> str:
    """A coordinate: two decimals, no trailing zeros, never "-0"."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    return max((len(line) for line in text.split("\n")), default=0) * size * CHARACTER_WIDTH


def _text_height(text: str, size: float = FONT_SIZE) -> float:
    return (text.count("\n") + 1) * size * LINE_HEIGHT


def nice_ticks(low: float, high: float, max_ticks: int, decimals: int) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) within [low, high]."""
    if high <= low:
        return [low]
    raw = (high - low) / max(max_ticks - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    smallest = 10.0**-decimals
    step = 10 * magnitude
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = factor * magnitude
        # A step the labels cannot show (2,5 with no decimals) would print uneven labels.
        if candidate >= raw and candidate >= smallest and round(candidate / smallest, 6).is_integer():
            step = candidate
            break
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(index * step, 10) for index in range(first, last + 1)]


def _limits(values: Sequence[float], include_zero: bool) -> tuple[float, float]:
    """Data limits with a 5 % margin; bars keep zero as their base without a margin below it."""
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if high == low:
        spread = abs(high) or 1.0
        return low - 0.05 * spread, high + 0.05 * spread
    margin = 0.05 * (high - low)
    return (low if include_zero and low == 0 else low - margin), (high if include_zero and high == 0 else high + margin)


@dataclass
class _LegendEntry:
    label: str
    colour: str
    kind: str  # "line" or "patch"
    dash: str = ""
    marker: str = ""
    line_width: float = 1.5
    hatch: str = ""


@dataclass
class _Canvas:
    chart_id: str
    parts: list[str] = field(default_factory=list)
    patterns: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, element: str) -> None:
        self.parts.append(element)

    def fill(self, colour: str, hatch: str) -> str:
        """A fill attribute value; hatched fills are patterns of white strokes over the colour."""
        if not hatch:
            return colour
        key = (colour, hatch)
        if key not in self.patterns:
            self.patterns[key] = f"{self.chart_id}-hatch-{len(self.patterns)}"
        return f"url(#{self.patterns[key]})"

    def definitions(self) -> str:
        if not self.patterns:
            return ""
        patterns = []
        for (colour, hatch), pattern_id in self.patterns.items():
            strokes = {
                "/": '<path d="M-1 1L1 -1M0 6L6 0M5 7L7 5"/>',
                "\\": '<path d="M-1 5L1 7M0 0L6 6M5 -1L7 1"/>',
                "x": '<path d="M0 0L6 6M0 6L6 0"/>',
                ".": '<circle cx="1.5" cy="1.5" r="0.7" fill="#ffffff"/><circle cx="4.5" cy="4.5" r="0.7" fill="#ffffff"/>',
            }[hatch[0]]
            patterns.append(
                f'<pattern id="{pattern_id}" patternUnits="userSpaceOnUse" width="6" height="6">'
                f'<rect width="6" height="6" fill="{colour}"/>'
                f'<g stroke="#ffffff" stroke-width="{1.0 if len(hatch) > 1 else 0.8}">{strokes}</g></pattern>'
            )
        return "<defs>" + "".join(patterns) + "</defs>"


def _text(
    x: float,
    y: float,
    text: str,
    anchor: str = "middle",
    size: float = FONT_SIZE,
    colour: str = TICK_COLOUR,
    rotate: bool = False,
    baseline: str = "central",
) -> str:
    """A label; several lines become tspans centred on (x, y)."""
    lines = text.split("\n")
    transform = f' transform="rotate(-90 {_n(x)} {_n(y)})"' if rotate else ""
    head = (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" fill="{colour}" text-anchor="{anchor}" '
        f'dominant-baseline="{baseline}"{transform}>'
    )
    if len(lines) == 1:
        return head + escape(text) + "</text>"
    step = size * LINE_HEIGHT
    first = y - step * (len(lines) - 1) / 2
    spans = "".join(
        f'<tspan x="{_n(x)}" y="{_n(first + index * step)}">{escape(line)}</tspan>' for index, line in enumerate(lines)
    )
    return head + spans + "</text>"


def _marker(kind: str, x: float, y: float, colour: str, size: float = MARKER_SIZE) -> str:
    half = size / 2
    if kind == "o":
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(half)}" fill="{colour}"/>'
    shapes = {
        "s": [(-1, -1), (1, -1), (1, 1), (-1, 1)],
        "^": [(0, -1), (1, 1), (-1, 1)],
        "v": [(0, 1), (1, -1), (-1, -1)],
        "D": [(0, -1.2), (0.85, 0), (0, 1.2), (-0.85, 0)],
        "P": [(-0.35, -1), (0.35, -1), (0.35, -0.35), (1, -0.35), (1, 0.35), (0.35, 0.35), (0.35, 1),
              (-0.35, 1), (-0.35, 0.35), (-1, 0.35), (-1, -0.35), (-0.35, -0.35)],
        "X": [(-0.7, -1), (0, -0.3), (0.7, -1), (1, -0.7), (0.3, 0), (1, 0.7), (0.7, 1), (0, 0.3), (-0.7, 1),
              (-1, 0.7), (-0.3, 0), (-1, -0.7)],
    }  # fmt: skip
    points = " ".join(f"{_n(x + dx * half)},{_n(y + dy * half)}" for dx, dy in shapes[kind])
    return f'<polygon points="{points}" fill="{colour}"/>'


def _dash_attribute(dash: str, width: float) -> str:
    if not dash:
        return ""
    return f' stroke-dasharray="{" ".join(_n(float(part) * width) for part in dash.split())}"'


class _Axes:
    """One plotting area: maps data to points and draws the grid, axes lines and tick labels."""

    def __init__(self, left: float, top: float, width: float, height: float, x_limits, y_limits) -> None:
        self.left, self.top, self.width, self.height = left, top, width, height
        self.x_low, self.x_high = x_limits
        self.y_low, self.y_high = y_limits

    def x(self, value: float) -> float:
        return self.left + (value - self.x_low) / (self.x_high - self.x_low) * self.width

    def y(self, value: float) -> float:
        return self.top + self.height - (value - self.y_low) / (self.y_high - self.y_low) * self.height

    def draw_frame(
        self,
        canvas: _Canvas,
        y_ticks: Sequence[float],
        decimals: int,
        x_ticks: Sequence[tuple[float, str]],
        y_label: str,
        y_label_x: float,
        show_x_labels: bool = True,
    ) -> None:
        bottom = self.top + self.height
        grid = "".join(
            f'<line x1="{_n(self.left)}" y1="{_n(self.y(tick))}" x2="{_n(self.left + self.width)}" '
            f'y2="{_n(self.y(tick))}"/>'
            for tick in y_ticks
        )
        canvas.add(f'<g stroke="{GRID_COLOUR}" stroke-width="0.8">{grid}</g>')
        ticks = "".join(
            f'<line x1="{_n(self.left - TICK_LENGTH)}" y1="{_n(self.y(tick))}" x2="{_n(self.left)}" '
            f'y2="{_n(self.y(tick))}"/>'
            for tick in y_ticks
        ) + "".join(
            f'<line x1="{_n(self.x(position))}" y1="{_n(bottom)}" x2="{_n(self.x(position))}" '
            f'y2="{_n(bottom + TICK_LENGTH)}"/>'
            for position, _ in x_ticks
        )
        canvas.add(f'<g stroke="{TICK_COLOUR}" stroke-width="0.8">{ticks}</g>')
        for tick in y_ticks:
            canvas.add(
                _text(self.left - TICK_LENGTH - TICK_PAD, self.y(tick), swedish_number(tick, decimals), anchor="end")
            )
        if show_x_labels:
            for position, label in x_ticks:
                top = bottom + TICK_LENGTH + TICK_PAD
                canvas.add(_text(self.x(position), top + _text_height(label) / 2, label))
        if y_label:
            canvas.add(_text(y_label_x, self.top + self.height / 2, y_label, colour=LABEL_COLOUR, rotate=True))
        canvas.add(
            f'<path d="M{_n(self.left)} {_n(self.top)}V{_n(bottom)}H{_n(self.left + self.width)}" '
            f'fill="none" stroke="{AXIS_COLOUR}" stroke-width="0.8"/>'
        )

    def zero_line(self, canvas: _Canvas) -> None:
        if self.y_low <= 0 <= self.y_high:
            canvas.add(
                f'<line x1="{_n(self.left)}" y1="{_n(self.y(0))}" x2="{_n(self.left + self.width)}" '
                f'y2="{_n(self.y(0))}" stroke="{AXIS_COLOUR}" stroke-width="0.8"/>'
            )

    def bar(self, canvas: _Canvas, centre: float, width: float, value: float, fill: str) -> None:
        x_left, x_right = self.x(centre - width / 2), self.x(centre + width / 2)
        y_top, y_bottom = sorted((self.y(value), self.y(0)))
        canvas.add(
            f'<rect x="{_n(x_left)}" y="{_n(y_top)}" width="{_n(x_right - x_left)}" '
            f'height="{_n(y_bottom - y_top)}" fill="{fill}"/>'
        )

    def line(self, canvas: _Canvas, points, colour: str, width: float, dash: str, marker: str) -> None:
        path = "".join(
            f"{'M' if index == 0 else 'L'}{_n(self.x(x))} {_n(self.y(y))}" for index, (x, y) in enumerate(points)
        )
        canvas.add(
            f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="{_n(width)}" stroke-linejoin="round"'
            f"{_dash_attribute(dash, width)}/>"
        )
        if marker:
            canvas.add("".join(_marker(marker, self.x(x), self.y(y), colour) for x, y in points))


def _legend_size(entries: Sequence[_LegendEntry], columns: int, size: float) -> tuple[float, float]:
    rows = math.ceil(len(entries) / columns)
    column_width = max((_text_width(entry.label, size) for entry in entries), default=0) + 2.8 * size
    return columns * column_width, rows * size * 1.6


def _draw_legend(
    canvas: _Canvas, entries: Sequence[_LegendEntry], left: float, top: float, columns: int, size: float
) -> None:
    column_width, _ = _legend_size(entries, columns, size)
    column_width /= columns
    row_height = size * 1.6
    rows = math.ceil(len(entries) / columns)
    # Column by column, as the entries are read.
    for index, entry in enumerate(entries):
        x = left + (index // rows) * column_width
        y = top + (index % rows) * row_height + row_height / 2
        if entry.kind == "line":
            canvas.add(
                f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 2 * size)}" y2="{_n(y)}" stroke="{entry.colour}" '
                f'stroke-width="{_n(entry.line_width)}"{_dash_attribute(entry.dash, entry.line_width)}/>'
            )
            if entry.marker:
                canvas.add(_marker(entry.marker, x + size, y, entry.colour))
        else:
            canvas.add(
                f'<rect x="{_n(x)}" y="{_n(y - 0.35 * size)}" width="{_n(2 * size)}" height="{_n(0.7 * size)}" '
                f'fill="{canvas.fill(entry.colour, entry.hatch)}"/>'
            )
        canvas.add(_text(x + 2.5 * size, y, entry.label, anchor="start", size=size, colour=LABEL_COLOUR))


def _svg(canvas: _Canvas, width: float, height: float, title: str, description: str) -> str:
    prefix = canvas.chart_id
    return (
        f'<svg role="img" aria-labelledby="{prefix}-title {prefix}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'width="{_n(width)}pt" height="{_n(height)}pt" viewBox="0 0 {_n(width)} {_n(height)}">'
        f'<title id="{prefix}-title">{escape(title)}</title><desc id="{prefix}-desc">{escape(description)}</desc>'
        f"{canvas.definitions()}"
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>'
        f'<g font-family="{FONT_FAMILY}">{"".join(canvas.parts)}</g></svg>'
    )


def _left_margin(y_ticks: Sequence[float], decimals: int, y_label: str) -> tuple[float, float]:
    """Room left of the axes for tick labels and the rotated axis label; also the label's x."""
    labels = max((_text_width(swedish_number(tick, decimals)) for tick in y_ticks), default=0)
    label_x = PAD + FONT_SIZE * LINE_HEIGHT / 2
    room = labels + TICK_LENGTH + TICK_PAD + PAD
    if y_label:
        room += FONT_SIZE * LINE_HEIGHT + PAD
    return room, label_x


def _plot(
    chart_id: str,
    title: str,
    description: str,
    size: tuple[float, float],
    x_labels: Sequence[str],
    y_values: Sequence[float],
    include_zero: bool,
    decimals: int,
    unit: str,
    legend: Sequence[_LegendEntry],
    legend_below: bool,
    draw,
) -> str:
    """The frame all one-panel charts share: axes at the figure's size, the legend right of or below it."""
    width, height = size[0] * 72, size[1] * 72
    canvas = _Canvas(chart_id)
    x_label_height = max((_text_height(label) for label in x_labels), default=0) + TICK_LENGTH + TICK_PAD
    legend_columns = 2 if legend_below else 1
    legend_width, legend_height = _legend_size(legend, legend_columns, SMALL_FONT_SIZE if legend_below else FONT_SIZE)
    plot_height = height - TOP - PAD - x_label_height - (legend_height + PAD if legend_below else 0)
    y_limits = _limits(y_values, include_zero)
    y_ticks = nice_ticks(*y_limits, max(2, min(9, int(plot_height // (FONT_SIZE * 2)))), decimals)
    left, label_x = _left_margin(y_ticks, decimals, unit)
    plot_width = width - left - PAD - (0 if legend_below else legend_width + PAD)
    axes = _Axes(left, TOP, plot_width, plot_height, (-0.5, len(x_labels) - 0.5), y_limits)
    axes.draw_frame(canvas, y_ticks, decimals, list(enumerate(x_labels)), unit, label_x)
    draw(canvas, axes)
    if legend_below:
        legend_left = left + (plot_width - legend_width) / 2
        _draw_legend(canvas, legend, legend_left, TOP + plot_height + x_label_height + PAD, 2, SMALL_FONT_SIZE)
    else:
        _draw_legend(canvas, legend, left + plot_width + PAD, TOP, 1, FONT_SIZE)
    return _svg(canvas, width, height, title, description)


def _series_style(index: int, one: Series) -> tuple[str, str, float]:
    if one.emphasis:
        return MUNICIPALITY_COLOUR, LINE_STYLES[0], 2.6
    return (
        SERIES_COLOURS[1:][index % (len(SERIES_COLOURS) - 1)],
        LINE_STYLES[1:][index % (len(LINE_STYLES) - 1)],
        1.5,
    )


def line_chart(
    chart_id: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    unit: str,
    description: str,
    decimals: int = 0,
    size: tuple[float, float] = (7.0, 3.2),
    legend_below: bool = False,
) -> str:
    """Trend lines; the emphasised series (the municipality) is drawn last and bold."""
    drawn = [
        (index, one, [(x, y) for x, y in enumerate(one.values) if y is not None]) for index, one in enumerate(series)
    ]
    drawn = [item for item in drawn if item[2]]
    legend = []
    for index, one, _ in drawn:
        colour, dash, width = _series_style(index, one)
        legend.append(_LegendEntry(one.label, colour, "line", dash, MARKERS[index % len(MARKERS)], width))

    def draw(canvas: _Canvas, axes: _Axes) -> None:
        for index, one, points in sorted(drawn, key=lambda item: item[1].emphasis):
            colour, dash, width = _series_style(index, one)
            axes.line(canvas, points, colour, width, dash, MARKERS[index % len(MARKERS)])

    values = [y for _, _, points in drawn for _, y in points]
    return _plot(
        chart_id, title, description, size, x_labels, values, False, decimals, unit, legend, legend_below, draw
    )


def grouped_bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str,
    description: str,
    decimals: int = 0,
    size: tuple[float, float] = (7.0, 3.2),
) -> str:
    """Bars per category, one bar per series (e.g. one per year); None leaves a gap."""
    width = 0.8 / max(len(series), 1)
    styles = [
        (MUNICIPALITY_COLOUR if one.emphasis else SERIES_COLOURS[(index + 1) % len(SERIES_COLOURS)],
         HATCHES[index % len(HATCHES)])
        for index, one in enumerate(series)
    ]  # fmt: skip
    legend = [_LegendEntry(one.label, colour, "patch", hatch=hatch) for one, (colour, hatch) in zip(series, styles)]

    def draw(canvas: _Canvas, axes: _Axes) -> None:
        for index, one in enumerate(series):
            colour, hatch = styles[index]
            fill = canvas.fill(colour, hatch)
            for position, value in enumerate(one.values):
                if value is not None:
                    centre = position + (index - (len(series) - 1) / 2) * width
                    axes.bar(canvas, centre, width * 0.95, value, fill)
        axes.zero_line(canvas)

    values = [value for one in series for value in one.values if value is not None]
    return _plot(chart_id, title, description, size, categories, values, True, decimals, unit, legend, False, draw)


def monthly_result_chart(
    chart_id: str,
    title: str,
    months: Sequence[str],
    outcome: Sequence[float | None],
    budget: Sequence[float | None],
    unit: str,
    description: str,
    size: tuple[float, float] = (7.0, 4.6),
) -> str:
    """Two panels: outcome beside budget per month, then the monthly deviation
    (bars, green when better than budget) and its running total (line)."""
    width, height = size[0] * 72, size[1] * 72
    canvas = _Canvas(chart_id)
    deviation = [None if out is None or bud is None else out - bud for out, bud in zip(outcome, budget, strict=True)]
    cumulative, total = [], 0.0
    for value in deviation:
        if value is None:
            cumulative.append(None)
            continue
        total += value
        cumulative.append(total)
    top_legend = [
        _LegendEntry("Utfall", MUNICIPALITY_COLOUR, "patch"),
        _LegendEntry("Budget", BUDGET_COLOUR, "patch", hatch="//"),
    ]
    points = [(x, y) for x, y in enumerate(cumulative) if y is not None]
    bottom_legend = [
        *([_LegendEntry("Ackumulerad avvikelse", SERIES_COLOURS[1], "line", marker="o", line_width=2.2)] if points else []),
        _LegendEntry("Månad bättre än budget", POSITIVE_COLOUR, "patch"),
        _LegendEntry("Månad sämre än budget", NEGATIVE_COLOUR, "patch"),
    ]
    legend_width = max(_legend_size(top_legend, 1, FONT_SIZE)[0], _legend_size(bottom_legend, 1, FONT_SIZE)[0])
    x_label_height = max((_text_height(label) for label in months), default=0) + TICK_LENGTH + TICK_PAD
    available = height - TOP - PAD - x_label_height
    # Panel heights 3 : 2 with a gap of a quarter of their mean height, as the two panels share the months.
    unit_height = available / (5 + 0.25 * 2.5)
    top_height, bottom_height, gap = 3 * unit_height, 2 * unit_height, 0.25 * 2.5 * unit_height
    top_limits = _limits([value for value in [*outcome, *budget] if value is not None], True)
    bottom_values = [value for value in [*deviation, *cumulative] if value is not None]
    bottom_limits = _limits(bottom_values, True)
    top_ticks = nice_ticks(*top_limits, max(2, min(9, int(top_height // (FONT_SIZE * 2)))), 0)
    bottom_ticks = nice_ticks(*bottom_limits, max(2, min(9, int(bottom_height // (FONT_SIZE * 2)))), 0)
    bottom_label = f"avvikelse, {unit}"
    left = max(_left_margin(top_ticks, 0, unit)[0], _left_margin(bottom_ticks, 0, bottom_label)[0])
    label_x = _left_margin(top_ticks, 0, unit)[1]
    plot_width = width - left - 2 * PAD - legend_width
    x_limits = (-0.5, len(months) - 0.5)
    x_ticks = list(enumerate(months))

    top = _Axes(left, TOP, plot_width, top_height, x_limits, top_limits)
    top.draw_frame(canvas, top_ticks, 0, x_ticks, unit, label_x, show_x_labels=False)
    bar_width = 0.38
    budget_fill = canvas.fill(BUDGET_COLOUR, "//")
    for position, (out, bud) in enumerate(zip(outcome, budget, strict=True)):
        if out is not None:
            top.bar(canvas, position - bar_width / 2, bar_width, out, MUNICIPALITY_COLOUR)
        if bud is not None:
            top.bar(canvas, position + bar_width / 2, bar_width, bud, budget_fill)
    top.zero_line(canvas)
    _draw_legend(canvas, top_legend, left + plot_width + PAD, TOP, 1, FONT_SIZE)

    bottom = _Axes(left, TOP + top_height + gap, plot_width, bottom_height, x_limits, bottom_limits)
    bottom.draw_frame(canvas, bottom_ticks, 0, x_ticks, bottom_label, label_x)
    for position, value in enumerate(deviation):
        if value is not None:
            bottom.bar(canvas, position, 0.6, value, POSITIVE_COLOUR if value >= 0 else NEGATIVE_COLOUR)
    if points:
        bottom.line(canvas, points, SERIES_COLOURS[1], 2.2, "", "o")
    bottom.zero_line(canvas)
    _draw_legend(canvas, bottom_legend, left + plot_width + PAD, bottom.top, 1, FONT_SIZE)
    return _svg(canvas, width, height, title, description)
