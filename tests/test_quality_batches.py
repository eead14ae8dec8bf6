"""Large marts validated per municipality batch, and unchanged municipalities' passes carried over.

A ledger-month mart for three municipalities in a DuckDB file, validated by the
economy suite's own frame check through the batched path (a small row budget
forces one batch per municipality).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import great_expectations as gx
import pandas as pd
import pytest

from orchestration.defs.quality import batches
from orchestration.defs.quality.batches import MunicipalityBatches, PassedBatches, per_municipality
from orchestration.defs.quality.framework import FrameCheck, MartSuite, SuiteOutcome, validate_frames
from orchestration.defs.quality.suites import common, economy

AREAS = ["Äldreomsorg", "Funktionsstöd", "Kommunal primärvård"]
REPORT_LINES = ["revenue", "personnel_costs", "purchased_services", "premises_rent", "other_costs", "financial_items"]
MUNICIPALITIES = ("1440", "1489", "1490")
LINES = (("revenue", "revenue", True), ("personnel_costs", "cost", True), ("financial_items", "outside", False))


def ledger_rows(municipality: str) -> list[dict[str, object]]:
    rows = []
    for month in (1, 2):
        for unit in ("1001", "1002"):
            for report_line, line_kind, in_net_cost in LINES:
                rows.append(
                    {
                        "municipality_id": municipality,
                        "period": f"2025-{month:02d}",
                        "year": 2025,
                        "month": month,
                        "unit_key": f"{municipality}-{unit}",
                        "unit_id": unit,
                        "area": "Äldreomsorg",
                        "report_line": report_line,
                        "line_kind": line_kind,
                        "is_in_net_cost": in_net_cost,
                        "actual_sek": -1234.5 if line_kind == "cost" else 800.0,
                        "budget_sek": None,
                        "n_ledger_rows": 1,
                        "person_hash": "f" * 64,
                    }
                )
    return rows


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ledger = pd.DataFrame([row for municipality in MUNICIPALITIES for row in ledger_rows(municipality)])
    connection.execute("create schema marts")
    connection.execute("create table marts.fct_ledger_months as select * from ledger")
    yield connection
    connection.close()


@pytest.fixture(autouse=True)
def one_municipality_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batches, "ROW_BUDGET", len(ledger_rows("0000")))
    # Every text column as a categorical, as the few-valued ones are in a national batch.
    monkeypatch.setattr(batches, "ENUM_MAX_SHARE", 1.0)


def ledger_check(connection: duckdb.DuckDBPyConnection, report_lines: list[str] = REPORT_LINES) -> FrameCheck:
    """As the economy suite builds it, with the raw bounds taken from the mart itself."""
    counts = per_municipality(
        connection,
        f"""
        select municipality_id, count(distinct (period, unit_id)) as {common.MIN_ROWS},
            count(*) as {common.MAX_ROWS}
        from marts.fct_ledger_months group by all
        """,
    )
    return economy.ledger_months_check(
        MunicipalityBatches("select * from marts.fct_ledger_months", parameters_by_municipality=counts),
        areas=AREAS,
        report_lines=report_lines,
        min_rows=0,
        max_rows=0,
    )


def validate(connection: duckdb.DuckDBPyConnection, check: FrameCheck, tmp_path: Path, run: str) -> SuiteOutcome:
    suite = MartSuite(name="unit", title="Enhetstest", marts=(check.mart,), build=lambda connection, passed: [check])
    passed = PassedBatches(tmp_path / "passed" / "unit.json")
    outcome = validate_frames(suite, [check], tmp_path / run, connection=connection, passed=passed)
    passed.save()
    return outcome


ROWS_PER_MUNICIPALITY = len(ledger_rows("0000"))


def test_a_rerun_validates_only_the_municipality_whose_rows_changed(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    first = validate(warehouse, ledger_check(warehouse), tmp_path, "first")
    assert first.success, first.message()
    assert first.rows_by_frame == {"fct_ledger_months": 3 * ROWS_PER_MUNICIPALITY}
    assert first.rows_carried_over_by_frame == {"fct_ledger_months": 0}

    unchanged = validate(warehouse, ledger_check(warehouse), tmp_path, "unchanged")
    assert unchanged.success
    assert unchanged.rows_by_frame == {"fct_ledger_months": 0}
    assert unchanged.rows_carried_over_by_frame == {"fct_ledger_months": 3 * ROWS_PER_MUNICIPALITY}
    assert (tmp_path / "unchanged" / "index.html").is_file()

    # No expectation reads the amounts, so they are not read nor part of the fingerprint.
    warehouse.execute("update marts.fct_ledger_months set actual_sek = actual_sek + 1 where municipality_id = '1489'")
    assert validate(warehouse, ledger_check(warehouse), tmp_path, "amounts").rows_by_frame == {"fct_ledger_months": 0}

    warehouse.execute("update marts.fct_ledger_months set n_ledger_rows = 2 where municipality_id = '1489'")
    changed = validate(warehouse, ledger_check(warehouse), tmp_path, "changed")
    assert changed.success
    assert changed.rows_by_frame == {"fct_ledger_months": ROWS_PER_MUNICIPALITY}
    assert changed.rows_carried_over_by_frame == {"fct_ledger_months": 2 * ROWS_PER_MUNICIPALITY}


def test_a_changed_expectation_set_validates_everything_again(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    assert validate(warehouse, ledger_check(warehouse), tmp_path, "first").success

    outcome = validate(warehouse, ledger_check(warehouse, [*REPORT_LINES, "new_line"]), tmp_path, "second")

    assert outcome.rows_by_frame == {"fct_ledger_months": 3 * ROWS_PER_MUNICIPALITY}
    assert outcome.rows_carried_over_by_frame == {"fct_ledger_months": 0}


def test_a_failing_municipality_is_validated_again_until_it_passes(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    warehouse.execute(
        "update marts.fct_ledger_months set unit_key = null where municipality_id = '1490' and unit_id = '1002'"
    )
    for run in ("first", "second"):
        outcome = validate(warehouse, ledger_check(warehouse), tmp_path, run)
        assert [failure.expectation for failure in outcome.failures] == ["unit_in_register"]
        assert outcome.failures[0].example_keys[0]["municipality_id"] == "1490"
    assert outcome.rows_by_frame == {"fct_ledger_months": ROWS_PER_MUNICIPALITY}

    warehouse.execute("update marts.fct_ledger_months set unit_key = municipality_id || '-' || unit_id")
    fixed = validate(warehouse, ledger_check(warehouse), tmp_path, "fixed")
    assert fixed.success
    assert fixed.rows_by_frame == {"fct_ledger_months": ROWS_PER_MUNICIPALITY}


def test_failures_in_several_batches_are_merged_into_one_per_expectation(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    warehouse.execute("update marts.fct_ledger_months set report_line = 'okänd_rad' where report_line = 'revenue' "
                      "and municipality_id in ('1440', '1490') and period = '2025-01'")
    # One row twice in 1489: over its own raw bound, and a key repeated within the municipality.
    warehouse.execute(
        "insert into marts.fct_ledger_months select * from marts.fct_ledger_months "
        "where municipality_id = '1489' and period = '2025-02' and unit_id = '1001' and report_line = 'revenue'"
    )
    check = ledger_check(warehouse)
    counts = dict(check.frame.parameters_by_municipality)
    counts["1489"] = {common.MIN_ROWS: 4, common.MAX_ROWS: ROWS_PER_MUNICIPALITY}
    check = economy.ledger_months_check(
        MunicipalityBatches(check.frame.sql, parameters_by_municipality=counts),
        areas=AREAS, report_lines=REPORT_LINES, min_rows=0, max_rows=0,
    )

    outcome = validate(warehouse, check, tmp_path, "run")

    by_id = {failure.expectation: failure for failure in outcome.failures}
    assert set(by_id) == {"report_line_in_vocabulary", "key_unique", "row_count_within_raw_bounds"}
    vocabulary = by_id["report_line_in_vocabulary"]
    assert vocabulary.unexpected_count == 4
    assert {example["municipality_id"] for example in vocabulary.example_keys} == {"1440", "1490"}
    assert by_id["key_unique"].example_keys[0] == {
        "municipality_id": "1489", "period": "2025-02", "unit_id": "1001", "report_line": "revenue"
    }
    assert by_id["row_count_within_raw_bounds"].observed == str(ROWS_PER_MUNICIPALITY + 1)
    assert "f" * 64 not in str(outcome.to_json())
    # One Data Docs page for the first batch, one per failing batch (all three failed here).
    pages = list((tmp_path / "run" / "validations").rglob("*.html"))
    assert len(pages) == 3


def test_only_the_data_docs_batch_and_failing_batches_are_run_in_detail(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []
    run = gx.Checkpoint.run

    def recorded(checkpoint: gx.Checkpoint, *args: object, **kwargs: object) -> object:
        runs.append("quick" if checkpoint.name.endswith(".quick") else "detailed")
        return run(checkpoint, *args, **kwargs)

    monkeypatch.setattr(gx.Checkpoint, "run", recorded)
    assert validate(warehouse, ledger_check(warehouse), tmp_path, "clean").success
    assert runs == ["detailed", "quick", "quick"]

    runs.clear()
    warehouse.execute("update marts.fct_ledger_months set report_line = 'okänd_rad' where municipality_id = '1490'")
    outcome = validate(warehouse, ledger_check(warehouse), tmp_path, "failing")
    # 1440 and 1489 passed before and are carried over; 1490 is tried quickly, then again for its details.
    assert runs == ["detailed"]
    assert outcome.failures[0].unexpected_count == ROWS_PER_MUNICIPALITY

    runs.clear()
    warehouse.execute("update marts.fct_ledger_months set n_ledger_rows = 2")
    outcome = validate(warehouse, ledger_check(warehouse), tmp_path, "all_again")
    assert runs == ["detailed", "quick", "quick", "detailed"]
    assert outcome.failures[0].unexpected_count == ROWS_PER_MUNICIPALITY
    assert outcome.failures[0].example_keys[0]["municipality_id"] == "1490"


def test_the_same_key_in_two_municipalities_is_not_a_duplicate(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    outcome = validate(warehouse, ledger_check(warehouse), tmp_path, "run")
    assert outcome.success
    assert warehouse.execute(
        "select count(*) from (select distinct period, unit_id, report_line from marts.fct_ledger_months)"
    ).fetchone()[0] == ROWS_PER_MUNICIPALITY


def test_a_key_without_the_municipality_cannot_be_checked_in_batches(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    check = FrameCheck(
        name="fct_ledger_months",
        mart="fct_ledger_months",
        frame=MunicipalityBatches("select * from marts.fct_ledger_months"),
        key_columns=("period", "unit_id"),
        expectations=[common.unique_key(("period", "unit_id", "report_line"), "månad, enhet och rapportrad")],
    )
    with pytest.raises(ValueError, match="per municipality"):
        validate(warehouse, check, tmp_path, "run")


def test_batches_are_consecutive_municipalities_up_to_the_row_budget() -> None:
    rows = {"0114": 300, "0115": 150, "0117": 900, "0120": 100, "0123": 50}
    assert batches.plan_batches(rows, 500) == [["0114", "0115"], ["0117"], ["0120", "0123"]]


def test_a_batch_reads_few_valued_text_as_categoricals_without_changing_a_value(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    warehouse.execute("update marts.fct_ledger_months set unit_key = null, area = 'O''Brien' where unit_id = '1002'")
    source = MunicipalityBatches("select * from marts.fct_ledger_months")
    columns = ["municipality_id", "period", "unit_key", "area", "report_line", "n_ledger_rows"]

    with batches.StagedBatches(warehouse, source, columns, [["1440", "1489"]]) as staged:
        frame = staged.read(0, keep_as_strings=["period"])

    assert isinstance(frame["report_line"].dtype, pd.CategoricalDtype)
    assert not isinstance(frame["period"].dtype, pd.CategoricalDtype)
    plain = warehouse.execute(
        "select municipality_id, period, unit_key, area, report_line, n_ledger_rows from marts.fct_ledger_months "
        "where municipality_id in ('1440', '1489')"
    ).df()
    key = ["municipality_id", "period", "report_line", "area"]
    read = frame.astype(object).sort_values(key, ignore_index=True)
    expected = plain.astype(object).sort_values(key, ignore_index=True)
    assert read["unit_key"].isna().sum() == expected["unit_key"].isna().sum() == 12
    pd.testing.assert_frame_equal(read.fillna("NULL"), expected.fillna("NULL"))


def monthly_check(connection: duckdb.DuckDBPyConnection) -> FrameCheck:
    """The ledger months partitioned by municipality and month, as the economy suite builds them."""
    counts = per_municipality(
        connection,
        f"""
        select municipality_id, period, count(distinct unit_id) as {common.MIN_ROWS},
            count(*) as {common.MAX_ROWS}
        from marts.fct_ledger_months group by all
        """,
    )
    return economy.ledger_months_check(
        MunicipalityBatches(
            "select * from marts.fct_ledger_months", parameters_by_municipality=counts, period_column="period"
        ),
        areas=AREAS, report_lines=REPORT_LINES, min_rows=0, max_rows=0,
    )


def add_month(connection: duckdb.DuckDBPyConnection, period: str) -> None:
    connection.execute(
        "insert into marts.fct_ledger_months select * replace (? as period, cast(right(?, 2) as integer) as month) "
        "from marts.fct_ledger_months where period = '2025-02'",
        [period, period],
    )


def test_with_a_period_column_one_new_month_re_validates_only_that_month(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    assert validate(warehouse, monthly_check(warehouse), tmp_path, "first").success
    add_month(warehouse, "2025-03")

    outcome = validate(warehouse, monthly_check(warehouse), tmp_path, "new_month")

    assert outcome.success, outcome.message()
    month_rows = ROWS_PER_MUNICIPALITY // 2
    assert outcome.rows_by_frame == {"fct_ledger_months": 3 * month_rows}
    assert outcome.rows_carried_over_by_frame == {"fct_ledger_months": 3 * ROWS_PER_MUNICIPALITY}


@pytest.mark.parametrize("stage_budget", [1, 10_000], ids=["a scan per batch", "one scan for all batches"])
def test_a_broken_row_in_a_new_month_fails_the_suite_until_it_is_fixed(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage_budget: int
) -> None:
    monkeypatch.setattr(batches, "STAGE_BUDGET", stage_budget)
    assert validate(warehouse, monthly_check(warehouse), tmp_path, "first").success
    add_month(warehouse, "2025-03")
    warehouse.execute(
        "update marts.fct_ledger_months set unit_key = null "
        "where municipality_id = '1489' and period = '2025-03' and unit_id = '1002' and report_line = 'revenue'"
    )

    broken = validate(warehouse, monthly_check(warehouse), tmp_path, "broken")

    assert not broken.success
    [failure] = broken.failures
    assert failure.expectation == "unit_in_register"
    assert failure.unexpected_count == 1
    assert failure.example_keys == [
        {"municipality_id": "1489", "period": "2025-03", "unit_id": "1002", "report_line": "revenue"}
    ]
    month_rows = ROWS_PER_MUNICIPALITY // 2
    assert broken.rows_by_frame == {"fct_ledger_months": 3 * month_rows}

    # The failing batch (two months: the row budget holds two) is validated again on the next run;
    # the passing new month of the other batch is carried over.
    again = validate(warehouse, monthly_check(warehouse), tmp_path, "again")
    assert [failure.expectation for failure in again.failures] == ["unit_in_register"]
    assert again.rows_by_frame == {"fct_ledger_months": 2 * month_rows}

    warehouse.execute("update marts.fct_ledger_months set unit_key = municipality_id || '-' || unit_id")
    fixed = validate(warehouse, monthly_check(warehouse), tmp_path, "fixed")
    assert fixed.success
    assert fixed.rows_by_frame == {"fct_ledger_months": 2 * month_rows}


def test_a_partition_changed_in_place_is_validated_again(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    assert validate(warehouse, monthly_check(warehouse), tmp_path, "first").success
    # A rebuilt January of one municipality: same row count, one value the expectations read differs.
    warehouse.execute(
        "update marts.fct_ledger_months set report_line = 'okänd_rad' "
        "where municipality_id = '1440' and period = '2025-01' and unit_id = '1001' and report_line = 'revenue'"
    )

    outcome = validate(warehouse, monthly_check(warehouse), tmp_path, "changed")

    assert [failure.expectation for failure in outcome.failures] == ["report_line_in_vocabulary"]
    assert outcome.failures[0].example_keys[0]["period"] == "2025-01"
    assert outcome.rows_by_frame == {"fct_ledger_months": ROWS_PER_MUNICIPALITY // 2}
    assert outcome.rows_carried_over_by_frame == {"fct_ledger_months": 5 * ROWS_PER_MUNICIPALITY // 2}


def test_consecutive_batches_are_staged_together_up_to_the_stage_budget() -> None:
    planned = [["0114/2025"], ["0115/2025", "0117/2025"], ["0120/2025"]]
    rows = {"0114/2025": 300, "0115/2025": 100, "0117/2025": 150, "0120/2025": 400}
    assert batches.stage_groups(planned, rows, 600) == [[["0114/2025"], ["0115/2025", "0117/2025"]], [["0120/2025"]]]


def test_staged_batches_hold_exactly_their_partitions_whatever_the_period_type(tmp_path: Path) -> None:
    connection = duckdb.connect(str(tmp_path / "staged.duckdb"))
    connection.execute(
        "create table yearly as select * from (values ('1440', 2024, 1), ('1440', 2025, 2), ('1489', 2025, 3), "
        "('1489', null, 4), (null, 2025, 5)) as rows(municipality_id, year, row_id)"
    )
    source = MunicipalityBatches("select * from yearly", period_column="year")
    prints = batches.fingerprints(connection, source, ["municipality_id", "year", "row_id"])
    assert sorted(prints) == ["/2025", "1440/2024", "1440/2025", "1489/", "1489/2025"]

    planned = [["/2025", "1440/2025"], ["1489/"]]
    with batches.StagedBatches(connection, source, ["municipality_id", "year", "row_id"], planned) as staged:
        first = staged.read(0)
        second = staged.read(1)

    assert sorted(first["row_id"]) == [2, 5]
    assert list(second["row_id"]) == [4]
    assert connection.execute("select count(*) from duckdb_tables() where temporary").fetchone() == (0,)
    connection.close()


def test_batches_are_read_ahead_in_order_and_the_stage_is_dropped_when_reading_stops_early(
    warehouse: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batches, "STAGE_BUDGET", 2 * ROWS_PER_MUNICIPALITY)
    source = MunicipalityBatches("select * from marts.fct_ledger_months", period_column="period")
    columns = ["municipality_id", "period", "unit_id"]
    rows = {partition: count for partition, (count, _) in batches.fingerprints(warehouse, source, columns).items()}
    planned = batches.plan_batches(rows, ROWS_PER_MUNICIPALITY // 2)

    read = [
        (partitions, sorted(set(frame["municipality_id"].astype(str) + "/" + frame["period"].astype(str))))
        for partitions, frame in batches.read_ahead(warehouse, source, columns, planned, rows)
    ]
    assert [partitions for partitions, _ in read] == planned
    assert all(partitions == held for partitions, held in read)

    def temporary_tables() -> int:
        return warehouse.execute("select count(*) from duckdb_tables() where temporary").fetchone()[0]

    reading = batches.read_ahead(warehouse, source, columns, planned, rows)
    next(reading)
    reading.close()
    assert temporary_tables() == 0
    with pytest.raises(ValueError, match="stopped"):
        for _ in batches.read_ahead(warehouse, source, columns, planned, rows):
            raise ValueError("stopped")
    assert temporary_tables() == 0


def test_mart_rows_for_a_period_without_raw_rows_fail_the_row_count(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    counts = per_municipality(
        warehouse,
        f"""
        select municipality_id, period, count(distinct unit_id) as {common.MIN_ROWS}, count(*) as {common.MAX_ROWS}
        from marts.fct_ledger_months where period = '2025-01' group by all
        """,
    )
    check = economy.ledger_months_check(
        MunicipalityBatches(
            "select * from marts.fct_ledger_months", parameters_by_municipality=counts, period_column="period"
        ),
        areas=AREAS, report_lines=REPORT_LINES, min_rows=100, max_rows=100,
    )

    outcome = validate(warehouse, check, tmp_path, "run")

    assert [failure.expectation for failure in outcome.failures] == ["row_count_within_raw_bounds"]


def test_a_frame_fingerprinted_by_its_mart_rows_sees_changes_in_the_mart_and_in_the_tables_it_joins(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """As fct_metric_values: the frame derives columns through a join with reference data, and its
    fingerprint reads the mart's own rows whole plus the reference table's contents."""
    warehouse.execute("create schema reference")
    warehouse.execute("create table reference.renamed_lines (old_line varchar, report_line varchar)")

    def renamed_check() -> FrameCheck:
        return economy.ledger_months_check(
            MunicipalityBatches(
                """
                select ledger.* replace (coalesce(renamed.report_line, ledger.report_line) as report_line)
                from marts.fct_ledger_months as ledger
                left join reference.renamed_lines as renamed on ledger.report_line = renamed.old_line
                """,
                period_column="period",
                fingerprint_sql="select * from marts.fct_ledger_months",
                fingerprint_inputs=("select * from reference.renamed_lines",),
            ),
            areas=AREAS, report_lines=REPORT_LINES, min_rows=0, max_rows=10_000,
        )

    all_rows = 3 * ROWS_PER_MUNICIPALITY
    assert validate(warehouse, renamed_check(), tmp_path, "first").rows_by_frame == {"fct_ledger_months": all_rows}
    assert validate(warehouse, renamed_check(), tmp_path, "same").rows_by_frame == {"fct_ledger_months": 0}

    warehouse.execute("insert into reference.renamed_lines values ('revenue', 'okänd_rad')")
    renamed = validate(warehouse, renamed_check(), tmp_path, "renamed")
    assert [failure.expectation for failure in renamed.failures] == ["report_line_in_vocabulary"]
    assert renamed.rows_by_frame == {"fct_ledger_months": all_rows}

    warehouse.execute("delete from reference.renamed_lines")
    assert validate(warehouse, renamed_check(), tmp_path, "restored").success

    # Changed in place, in a column no expectation reads: still a different partition.
    warehouse.execute(
        "update marts.fct_ledger_months set actual_sek = actual_sek + 1 where municipality_id = '1440' "
        "and period = '2025-01'"
    )
    changed = validate(warehouse, renamed_check(), tmp_path, "changed")
    assert changed.success
    assert changed.rows_by_frame == {"fct_ledger_months": ROWS_PER_MUNICIPALITY // 2}


def freshness_check(frame: pd.DataFrame, blocking: bool = True) -> FrameCheck:
    """A frame read whole, as the suites' comparison frames are, with a parameter from the run."""
    expectations = [
        *common.freshness_expectations("fct_ledger_months"),
        common.expectation(
            common.EX.ExpectTableRowCountToBeBetween,
            "one_row_per_municipality",
            "En rad per kommun.",
            blocking=blocking,
            min_value={"$PARAMETER": "municipalities"},
            max_value={"$PARAMETER": "municipalities"},
        ),
    ]
    return FrameCheck(
        name="ledger_freshness",
        mart="fct_ledger_months",
        frame=frame,
        key_columns=("municipality_id",),
        expectations=expectations,
        parameters={"municipalities": len(frame)},
    )


def test_a_whole_frame_that_passed_with_the_same_rows_is_carried_over(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    frame = pd.DataFrame(
        {"municipality_id": list(MUNICIPALITIES), "newest_delivered": ["2024-12"] * 3, "newest_in_mart": ["2024-12"] * 3}
    )
    first = validate(warehouse, freshness_check(frame), tmp_path, "first")
    assert first.success and first.rows_by_frame == {"ledger_freshness": 3}

    # The same rows in another order: nothing to validate.
    again = validate(warehouse, freshness_check(frame.iloc[::-1]), tmp_path, "again")
    assert again.rows_by_frame == {"ledger_freshness": 0}
    assert again.rows_carried_over_by_frame == {"ledger_freshness": 3}

    # A changed row, or a changed parameter, is validated; a failure is reported and stays until fixed.
    behind = frame.assign(newest_in_mart=["2024-12", "2024-11", "2024-12"])
    failed = validate(warehouse, freshness_check(behind), tmp_path, "behind")
    assert failed.rows_by_frame == {"ledger_freshness": 3}
    assert [failure.expectation for failure in failed.failures] == ["newest_period_is_newest_delivered"]
    assert not validate(warehouse, freshness_check(behind), tmp_path, "still_behind").success
    assert validate(warehouse, freshness_check(frame), tmp_path, "fixed").rows_by_frame == {"ledger_freshness": 3}
    fewer = validate(warehouse, freshness_check(frame.iloc[:2]), tmp_path, "fewer")
    assert fewer.success and fewer.rows_by_frame == {"ledger_freshness": 2}

    # A warning is reported again in every run until the frame is clean.
    for run in ("warned", "warned_again"):
        warned = dataclasses.replace(freshness_check(frame.iloc[:2], blocking=False), parameters={"municipalities": 3})
        outcome = validate(warehouse, warned, tmp_path, run)
        assert outcome.success and [warning.expectation for warning in outcome.warnings] == ["one_row_per_municipality"]
