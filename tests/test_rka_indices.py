"""RKA's indices recomputed on the shipped Kolada sample, against the values RKA published.

Run this file as a script to rewrite the generated fit table in docs/rka-index.md:

    DUCKDB_PATH=... python tests/test_rka_indices.py   (builds a private warehouse in a temp folder)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_kolada_marts import build_kolada_warehouse, kolada_warehouse, query  # noqa: E402, F401

from orchestration import whatif  # noqa: E402
from orchestration.settings import PROJECT_ROOT, Settings  # noqa: E402

DOC = PROJECT_ROOT / "docs" / "rka-index.md"
TABLE_START = "<!-- fit-table:start (genereras av tests/test_rka_indices.py) -->"
TABLE_END = "<!-- fit-table:end -->"
TOLERANCE = 0.5


def fit_by_index_and_year(settings: Settings) -> pd.DataFrame:
    """Share of municipalities within 0.5 of RKA's published value, and mean/max difference."""
    return query(
        settings,
        f"""
        with variants as (
            select index_kpi_id, index_level, year, 'omräknat' as variant, difference from marts.fct_rka_indices
            where published_value is not null
            union all
            select index_kpi_id, index_level, year, 'ur publicerade delindex', difference_from_published_components
            from marts.fct_rka_indices
            where published_value is not null and index_level = 2
            union all
            select index_kpi_id, index_level, year, 'alla kompletta', recomputed_value_all_complete - published_value
            from marts.fct_rka_indices
            where published_value is not null and index_level = 1
        )
        select
            index_kpi_id,
            year,
            variant,
            count(*) as n_published,
            count(difference) as n_compared,
            avg(case when abs(difference) <= {TOLERANCE} then 1.0 else 0.0 end) filter (where difference is not null)
                as share_within,
            avg(abs(difference)) as mean_difference,
            max(abs(difference)) as max_difference
        from variants
        group by all
        order by min(index_level), index_kpi_id, variant, year
        """,
    )


def fit_table_markdown(fit: pd.DataFrame) -> str:
    def number(value: float, decimals: int) -> str:
        return "–" if pd.isna(value) else f"{value:.{decimals}f}".replace(".", ",")

    lines = [
        "| index | beräkning | år | publicerade | jämförda | andel inom 0,5 | medelavvikelse | största avvikelse |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in fit.itertuples():
        share = "–" if pd.isna(row.share_within) else f"{number(100 * row.share_within, 1)} %"
        lines.append(
            f"| {row.index_kpi_id} | {row.variant} | {row.year} | {row.n_published} | {row.n_compared} | {share} "
            f"| {number(row.mean_difference, 3)} | {number(row.max_difference, 2)} |"
        )
    return "\n".join(lines)


def write_fit_table(settings: Settings, doc: Path = DOC) -> None:
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    table = fit_table_markdown(fit_by_index_and_year(settings))
    doc.write_text(f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}", encoding="utf-8")


@pytest.fixture(scope="module")
def fit(kolada_warehouse) -> pd.DataFrame:
    return fit_by_index_and_year(kolada_warehouse)


def shares(fit: pd.DataFrame, index_kpi_id: str, variant: str) -> dict[int, float]:
    rows = fit[(fit.index_kpi_id == index_kpi_id) & (fit.variant == variant)]
    return dict(zip(rows.year, rows.share_within, strict=True))


def test_resource_index_elderly_care_matches_every_municipality_every_year(kolada_warehouse):
    rows = query(kolada_warehouse, "select * from marts.fct_rka_indices where index_kpi_id = 'U20008' and published_value is not null")
    assert sorted(rows.year.unique()) == list(range(2016, 2023))
    assert rows.recomputed_value.notna().all()
    assert (rows.difference.abs() <= TOLERANCE).all()


def test_quality_index_elderly_care_matches_95_percent(fit):
    by_year = shares(fit, "U20404", "omräknat")
    for year in (2016, 2017, 2018, 2019, 2020, 2022):
        assert by_year[year] >= 0.95, (year, by_year[year])


@pytest.mark.parametrize("index_kpi_id", ["U20900", "U28900"])
def test_efficiency_indices_from_published_components_match_95_percent(fit, index_kpi_id):
    by_year = shares(fit, index_kpi_id, "ur publicerade delindex")
    assert set(by_year) >= set(range(2017, 2023))
    for year, share in by_year.items():
        if year != 2021:
            assert share >= 0.95, (year, share)


def test_every_published_index_has_a_row_and_a_most_influential_component(kolada_warehouse):
    rows = query(kolada_warehouse, "select * from marts.fct_rka_indices where recomputed_value is not null")
    assert rows.most_influential_component_id.notna().all()
    assert (rows.most_influential_gain >= 0).all()
    assert (rows.most_influential_gain <= 100 - rows.recomputed_value + 1e-9).all()


def test_docs_fit_table_is_current(fit):
    text = DOC.read_text(encoding="utf-8")
    assert "Källa: Kolada; beräkning enligt RKA:s metod, gjord i detta projekt" in text
    table = text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    assert table == fit_table_markdown(fit), "Kör `python tests/test_rka_indices.py` och checka in docs/rka-index.md."


def test_whatif_with_unchanged_value_reproduces_the_mart(kolada_warehouse):
    """The what-if runs the model's own SQL: the real value must give back the mart's index."""
    actual = query(kolada_warehouse, """
        select component_value from marts.fct_rka_index_components
        where index_kpi_id = 'U20404' and municipality_id = '1489' and year = 2022 and component_id = 'U23401'""")
    results = whatif.run_whatif("1489", 2022, "U23401", float(actual.component_value[0]), settings=kolada_warehouse)
    assert {result.index_kpi_id for result in results} == {"U20404", "U20900"}
    for result in results:
        assert result.whatif_value == pytest.approx(result.recomputed_value, abs=1e-9)


def test_whatif_shorter_waiting_time_raises_quality_index(kolada_warehouse, capsys, monkeypatch):
    monkeypatch.setenv("DUCKDB_PATH", str(kolada_warehouse.duckdb_path))
    exit_code = whatif.main(["--kommun", "1489", "--year", "2022", "--kpi", "U23401", "--value", "40", "--index", "U20404"])
    output = capsys.readouterr().out
    assert exit_code == 0
    assert "Kvalitetsindex äldreomsorg" in output and "Källa: Kolada" in output
    result = whatif.run_whatif("1489", 2022, "U23401", 40, "U20404", settings=kolada_warehouse)[0]
    assert result.change > 0


def test_whatif_rejects_a_kpi_outside_the_indices(kolada_warehouse):
    with pytest.raises(whatif.WhatIfError, match="ingår inte"):
        whatif.run_whatif("1489", 2022, "U23516", 50, settings=kolada_warehouse)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as directory:
        write_fit_table(build_kolada_warehouse(Path(directory)))
    print(f"Skrev {DOC}")
