"""The SVG charts: well-formed, accessible, deterministic, and drawing what they are given."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from orchestration.reports import charts

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def _texts(root: ElementTree.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def _line_chart() -> str:
    return charts.line_chart(
        "kolada-u20900",
        "Effektivitetsindex äldreomsorg",
        ["2021", "2022", "2023"],
        [
            charts.Series("Alingsås", [62.0, None, 74.0], emphasis=True),
            charts.Series("Riket", [55.0, 57.5, 59.0]),
            charts.Series("Liknande kommuner", [None, None, None]),
        ],
        "",
        "Linjediagram: index för Alingsås 2021–2023.",
        legend_below=True,
    )


def test_a_chart_is_an_accessible_image_with_its_title_and_description():
    svg = _line_chart()
    assert svg.startswith('<svg role="img" aria-labelledby="kolada-u20900-title kolada-u20900-desc"')
    root = _parse(svg)
    assert root.find(f"{SVG}title").text == "Effektivitetsindex äldreomsorg"
    assert root.find(f"{SVG}desc").text == "Linjediagram: index för Alingsås 2021–2023."
    assert all(identifier.startswith("kolada-u20900-") for identifier in re.findall(r'id="([^"]+)"', svg))


def test_a_line_chart_draws_known_values_and_leaves_out_empty_series():
    root = _parse(_line_chart())
    texts = _texts(root)
    assert {"2021", "2022", "2023", "Alingsås", "Riket"} <= set(texts)
    assert "Liknande kommuner" not in texts
    paths = [path.get("d") for path in root.iter(f"{SVG}path") if path.get("stroke") == charts.MUNICIPALITY_COLOUR]
    # The missing year is skipped, so the municipality's line has two points.
    assert len(paths) == 1 and paths[0].count("L") == 1
    assert _line_chart() == _line_chart()


def test_bars_follow_their_values_and_a_missing_value_leaves_a_gap():
    svg = charts.grouped_bar_chart(
        "sjukfranvaro",
        "Sjukfrånvaro 2023–2024",
        ["Totalt", "Dag\n1–14"],
        [charts.Series("2023", [8.2, None]), charts.Series("2024", [8.6, 2.1], emphasis=True)],
        "procent av ordinarie tid",
        "Stapeldiagram.",
        decimals=1,
    )
    root = _parse(svg)
    drawing = root.find(f"{SVG}g")
    # Legend keys are 20 points wide; the bars here are far wider.
    bars = [float(rect.get("height")) for rect in drawing.iter(f"{SVG}rect") if float(rect.get("width")) > 25]
    assert len(bars) == 3
    assert max(bars) > 3 * min(bars)
    texts = _texts(root)
    assert "Dag1–14" in texts and "procent av ordinarie tid" in texts
    tick_labels = [label for label in texts if label[:1].isdigit() and label not in ("2023", "2024")]
    assert tick_labels and all(re.fullmatch(r"\d+,\d", label) for label in tick_labels)
    assert '<pattern id="sjukfranvaro-hatch-0"' in svg


def test_the_monthly_result_shows_negative_amounts_with_a_swedish_minus_sign():
    outcome = [-120_000.0 + 1_000 * month for month in range(12)]
    budget = [-118_000.0] * 11 + [None]
    svg = charts.monthly_result_chart(
        "manadsresultat", "Resultat per månad 2024", MONTHS, outcome, budget, "tkr", "Två diagram."
    )
    texts = _texts(_parse(svg))
    assert {"Utfall", "Budget", "Ackumulerad avvikelse", "Månad bättre än budget", "Månad sämre än budget"} <= set(texts)
    assert "avvikelse, tkr" in texts and texts.count("dec") == 1
    assert any(text.startswith("\u2212") and "\u202f" in text for text in texts)


def test_ticks_are_round_numbers_the_labels_can_show():
    assert charts.nice_ticks(0, 10, 6, 0) == [0, 2, 4, 6, 8, 10]
    # 0,25 cannot be shown with one decimal.
    assert charts.nice_ticks(0, 1, 5, 1) == [0, 0.5, 1]
    for ticks in (charts.nice_ticks(-95_000, 3_000, 5, 0), charts.nice_ticks(1.3, 7.9, 8, 0)):
        assert all(float(tick).is_integer() for tick in ticks)
        assert len({round(b - a, 6) for a, b in zip(ticks, ticks[1:])}) == 1
