"""Charts as inline SVG strings (matplotlib, no files, no network).

Text stays text in the SVG (screen readers and search find it), element ids are
prefixed per chart so several charts can share one HTML page, and the output
is byte-for-byte the same for the same data.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
MUNICIPALITY_COLOUR = "#0b4f8a"
SERIES_COLOURS = ("#0b4f8a", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#6b6b6b")
BUDGET_COLOUR = "#9a9a9a"
NEGATIVE_COLOUR = "#b3412a"
POSITIVE_COLOUR = "#1f7a4d"
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 2)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    emphasis: bool = False


def _style() -> dict:
    return {
        "svg.fonttype": "none",
        "svg.hashsalt": "omsorgslager",
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#555555",
        "axes.labelcolor": "#222222",
        "xtick.color": "#333333",
        "ytick.color": "#333333",
        "axes.grid": True,
        "axes.grid.axis": "y",
        "grid.color": "#dddddd",
        "grid.linewidth": 0.8,
    }


def swedish_number(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",").replace("-", "\u2212")


def _to_svg(figure, chart_id: str, title: str, description: str) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    prefix = f"{chart_id}-"
    svg = re.sub(r'id="([^"]+)"', lambda match: f'id="{prefix}{match.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda match: f"url(#{prefix}{match.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda match: f'href="#{prefix}{match.group(1)}"', svg)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
    title_id = f"{prefix}title"
    desc_id = f"{prefix}desc"
    svg = svg.replace(
        "<svg ",
        f'<svg role="img" aria-labelledby="{title_id} {desc_id}" ',
        1,
    )
    head_end = svg.index(">") + 1
    return (
        svg[:head_end]
        + f'<title id="{title_id}">{escape(title)}</title><desc id="{desc_id}">{escape(description)}</desc>'
        + svg[head_end:]
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
    with plt.rc_context(_style()):
        figure, axes = plt.subplots(figsize=size)
        ordered = sorted(enumerate(series), key=lambda item: item[1].emphasis)
        for index, one in ordered:
            points = [(x, y) for x, y in zip(range(len(x_labels)), one.values, strict=True) if y is not None]
            if not points:
                continue
            xs, ys = zip(*points, strict=True)
            axes.plot(
                xs,
                ys,
                label=one.label,
                color=MUNICIPALITY_COLOUR if one.emphasis else SERIES_COLOURS[1:][index % (len(SERIES_COLOURS) - 1)],
                linestyle="-" if one.emphasis else LINE_STYLES[1:][index % (len(LINE_STYLES) - 1)],
                marker=MARKERS[index % len(MARKERS)],
                linewidth=2.6 if one.emphasis else 1.5,
                markersize=5,
                zorder=3 if one.emphasis else 2,
            )
        axes.set_xticks(range(len(x_labels)), x_labels)
        if unit:
            axes.set_ylabel(unit)
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: swedish_number(value, decimals)))
        axes.set_xlim(-0.3, len(x_labels) - 0.7)
        handles, labels = axes.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: [one.label for one in series].index(labels[i]))
        placement = (
            {"loc": "upper center", "bbox_to_anchor": (0.5, -0.12), "ncol": 2, "fontsize": 8}
            if legend_below
            else {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0)}
        )
        axes.legend([handles[i] for i in order], [labels[i] for i in order], frameon=False, **placement)
        return _to_svg(figure, chart_id, title, description)


def grouped_bar_chart(
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    unit: str,
    description: str,
    decimals: int = 0,
    horizontal: bool = False,
    size: tuple[float, float] = (7.0, 3.2),
) -> str:
    """Bars per category, one bar per series (e.g. one per year); None leaves a gap."""
    with plt.rc_context(_style()):
        figure, axes = plt.subplots(figsize=size)
        width = 0.8 / max(len(series), 1)
        hatches = ("", "//", "..", "xx", "\\\\")
        for index, one in enumerate(series):
            positions = [position + (index - (len(series) - 1) / 2) * width for position in range(len(categories))]
            heights = [0.0 if value is None else value for value in one.values]
            colour = MUNICIPALITY_COLOUR if one.emphasis else SERIES_COLOURS[(index + 1) % len(SERIES_COLOURS)]
            draw = axes.barh if horizontal else axes.bar
            draw(
                positions,
                heights,
                width * 0.95,
                label=one.label,
                color=colour,
                hatch=hatches[index % len(hatches)],
                edgecolor="white",
                linewidth=0.5,
            )
        formatter = FuncFormatter(lambda value, _: swedish_number(value, decimals))
        if horizontal:
            axes.set_yticks(range(len(categories)), categories)
            axes.invert_yaxis()
            axes.xaxis.set_major_formatter(formatter)
            axes.set_xlabel(unit)
            axes.grid(axis="x")
            axes.grid(axis="y", visible=False)
        else:
            axes.set_xticks(range(len(categories)), categories)
            axes.yaxis.set_major_formatter(formatter)
            axes.set_ylabel(unit)
        if horizontal:
            axes.axvline(0, color="#555555", linewidth=0.8)
        else:
            axes.axhline(0, color="#555555", linewidth=0.8)
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        return _to_svg(figure, chart_id, title, description)


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
    with plt.rc_context(_style()):
        figure, (top, bottom) = plt.subplots(
            2, 1, figsize=size, sharex=True, gridspec_kw={"height_ratios": [3, 2], "hspace": 0.25}
        )
        positions = list(range(len(months)))
        width = 0.38
        top.bar(
            [x - width / 2 for x in positions],
            [0.0 if value is None else value for value in outcome],
            width,
            color=MUNICIPALITY_COLOUR,
            label="Utfall",
        )
        top.bar(
            [x + width / 2 for x in positions],
            [0.0 if value is None else value for value in budget],
            width,
            color=BUDGET_COLOUR,
            hatch="//",
            edgecolor="white",
            linewidth=0.5,
            label="Budget",
        )
        top.axhline(0, color="#555555", linewidth=0.8)
        top.set_ylabel(unit)
        top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)

        deviation = [
            None if out is None or bud is None else out - bud for out, bud in zip(outcome, budget, strict=True)
        ]
        bottom.bar(
            positions,
            [0.0 if value is None else value for value in deviation],
            0.6,
            color=[POSITIVE_COLOUR if (value or 0) >= 0 else NEGATIVE_COLOUR for value in deviation],
        )
        cumulative, total = [], 0.0
        for value in deviation:
            if value is None:
                cumulative.append(None)
                continue
            total += value
            cumulative.append(total)
        points = [(x, y) for x, y in zip(positions, cumulative, strict=True) if y is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            bottom.plot(xs, ys, color=SERIES_COLOURS[1], linewidth=2.2, marker="o", label="Ackumulerad avvikelse")
        bottom.axhline(0, color="#555555", linewidth=0.8)
        bottom.set_ylabel(f"avvikelse, {unit}")
        bottom.set_xticks(positions, months)
        handles, labels = bottom.get_legend_handles_labels()
        handles += [Patch(color=POSITIVE_COLOUR), Patch(color=NEGATIVE_COLOUR)]
        labels += ["Månad bättre än budget", "Månad sämre än budget"]
        bottom.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        for axes in (top, bottom):
            axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: swedish_number(value)))
        return _to_svg(figure, chart_id, title, description)
