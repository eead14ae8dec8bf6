"""Disclosure control on the way to BI tools: no person-level rows, no cells about fewer than 5 people."""

import duckdb

from orchestration.defs.publish.disclosure import MIN_INDIVIDUALS, is_published, published_select


def metric_rows() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("create schema marts")
    connection.execute(
        """
        create table marts.fct_metric_values as
        select * from (values
            ('1440', 2025, 'enhet', '6341', 'sick_leave_pct', 7.5, 120.0, 1600.0, 12),
            ('1440', 2025, 'enhet', '6342', 'sick_leave_pct', 3.1, 10.0, 320.0, 3),
            ('1440', 2025, 'kommun', null, 'revenue', 234992.0, 234992.0, null, null)
        ) as rows (municipality_id, year, level, unit_id, metric_id, value, numerator, denominator, n_individuals)
        """
    )
    return connection


def test_cells_about_fewer_than_five_people_are_blanked_and_flagged():
    connection = metric_rows()
    columns = connection.execute(
        "select column_name, data_type from duckdb_columns() where table_name = 'fct_metric_values' order by column_index"
    ).fetchall()
    rows = connection.execute(
        published_select("marts", "fct_metric_values", columns) + " order by unit_id nulls last"
    ).fetchall()

    big, small, money = rows
    assert big == ("1440", 2025, "enhet", "6341", "sick_leave_pct", 7.5, 120.0, 1600.0, 12, False)
    # Year and codes stay, so the blank is addressable; every measure and the count itself go.
    assert small == ("1440", 2025, "enhet", "6342", "sick_leave_pct", None, None, None, None, True)
    # Money is not about people: no count, never suppressed.
    assert money[5] == 234992.0 and money[-1] is False
    assert MIN_INDIVIDUALS == 5


def test_tables_without_a_count_of_individuals_publish_unchanged():
    connection = duckdb.connect()
    connection.execute("create table dim_metric as select 'revenue' as metric_id, 'Intäkter' as name_sv")
    columns = [("metric_id", "VARCHAR"), ("name_sv", "VARCHAR")]
    assert connection.execute(published_select("main", "dim_metric", columns)).fetchall() == [("revenue", "Intäkter")]


def test_person_level_facts_are_never_published():
    assert not is_published("fct_employment_months")
    assert is_published("fct_metric_values")
