"""The quality gates: each mart suite catches realistic delivery faults, and a failed suite blocks publish.

Unit level: the suites' frame checks on small DataFrames shaped like the marts.
End to end (further down): the sample warehouse with a fault injected, the
checks and the publish step run through Dagster.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from orchestration.defs.quality.framework import FrameCheck, MartSuite, SuiteOutcome, validate_frames
from orchestration.defs.quality.suites import economy, personnel, quality

AREAS = ["Äldreomsorg", "Funktionsstöd", "Kommunal primärvård"]
REPORT_LINES = ["revenue", "personnel_costs", "purchased_services", "premises_rent", "other_costs", "financial_items"]


def run(check: FrameCheck, docs_dir: Path) -> SuiteOutcome:
    suite = MartSuite(name="unit", title="Enhetstest", marts=(check.mart,), build=lambda connection: [check])
    return validate_frames(suite, [check], docs_dir)


def failed_ids(outcome: SuiteOutcome) -> set[str]:
    return {failure.expectation for failure in outcome.failures}


def failure(outcome: SuiteOutcome, check_id: str):
    return next(failure for failure in outcome.failures if failure.expectation == check_id)


# --- personnel -----------------------------------------------------------------------------


def employment_months() -> pd.DataFrame:
    rows = []
    for number, (form, rate, ordinary, sick) in enumerate(
        [("Tillsvidare", 100.0, 165.0, (8.0, 0.0, 0.0)), ("Visstid", 75.0, 123.75, (0.0, 40.0, 0.0)),
         ("Timavlönad", None, 0.0, (None, None, None)), ("Tillsvidare", 50.0, 82.5, (0.0, 0.0, 82.5))]
    ):
        monthly_paid = form != "Timavlönad"
        sick_total = None if sick[0] is None else sum(sick)
        rows.append(
            {
                "employment_month_key": f"k{number}",
                "municipality_id": "1489",
                "period": "2025-01",
                "year": 2025,
                "month": 1,
                "employment_id": f"A{number:04d}",
                "unit_key": f"u{number}",
                "unit_id": "1001",
                "area": "Äldreomsorg",
                "employment_form": form,
                "is_monthly_paid": monthly_paid,
                "sex": ["K", "M", None, "K"][number],
                "age_years": 45,
                "age_band": "30-49",
                "employment_rate_pct": rate,
                "fte_contracted": None if rate is None else rate / 100,
                "fte_available": None if rate is None else rate / 100,
                "ordinary_hours": ordinary,
                "sick_hours_day1_14": sick[0],
                "sick_hours_day15_59": sick[1],
                "sick_hours_day60_plus": sick[2],
                "sick_hours_total": sick_total,
                "overtime_hours": 2.5,
                "extra_hours": None,
                "hourly_paid_hours": 30.0 if not monthly_paid else None,
                "ordinary_hours_monthly_paid": ordinary if monthly_paid else None,
                "sick_hours_total_monthly_paid": sick_total if monthly_paid else None,
                "sick_band_difference": 0.0,
                "source_file": "personal_manad_1489_2025-01.csv",
                "source_line": number + 2,
            }
        )
    return pd.DataFrame(rows)


def employment_months_check(frame: pd.DataFrame, raw_rows: int | None = None) -> FrameCheck:
    rows = len(frame) if raw_rows is None else raw_rows
    return personnel.employment_months_check(frame, areas=AREAS, raw_rows=rows, raw_keys=rows)


def test_clean_employment_months_pass(tmp_path: Path) -> None:
    outcome = run(employment_months_check(employment_months()), tmp_path)
    assert outcome.success, outcome.message()
    assert outcome.expectations_by_mart["fct_employment_months"] > 20
    assert (tmp_path / "index.html").is_file()


def test_sick_leave_above_ordinary_hours_fails_with_the_employment_as_example(tmp_path: Path) -> None:
    frame = employment_months()
    frame.loc[1, ["sick_hours_day15_59", "sick_hours_total", "sick_hours_total_monthly_paid"]] = 160.0

    outcome = run(employment_months_check(frame), tmp_path)

    assert failed_ids(outcome) == {"sick_hours_within_ordinary_hours"}
    example = failure(outcome, "sick_hours_within_ordinary_hours").example_keys
    assert example == [
        {
            "municipality_id": "1489",
            "period": "2025-01",
            "employment_id": "A0001",
            "unit_id": "1001",
            "source_file": "personal_manad_1489_2025-01.csv",
            "source_line": 3,
        }
    ]
    assert "fct_employment_months: sick_hours_within_ordinary_hours" in outcome.message()
    assert "employment_id=A0001" in outcome.message()


def test_faults_in_employment_months_each_name_their_expectation(tmp_path: Path) -> None:
    frame = employment_months()
    frame.loc[0, "sex"] = "X"
    frame.loc[2, "unit_key"] = None
    frame.loc[3, "employment_rate_pct"] = 140.0
    frame.loc[3, "sick_band_difference"] = 5.0
    frame.loc[1, "overtime_hours"] = -3.0
    frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)

    outcome = run(employment_months_check(frame, raw_rows=4), tmp_path)

    assert failed_ids(outcome) == {
        "key_unique",
        "sex_in_vocabulary",
        "unit_in_register",
        "employment_rate_pct_within_0_100",
        "sick_bands_sum_to_total",
        "overtime_hours_non_negative",
        "row_count_within_raw_bounds",
    }
    assert failure(outcome, "row_count_within_raw_bounds").observed == "5"
    assert failure(outcome, "unit_in_register").example_keys[0]["employment_id"] == "A0002"


def test_failures_never_show_personal_data(tmp_path: Path) -> None:
    frame = employment_months().assign(person_hash="f" * 64)
    frame.loc[0, "sex"] = "X"

    outcome = run(employment_months_check(frame), tmp_path)

    assert failed_ids(outcome) == {"sex_in_vocabulary"}
    assert "person_hash" not in str(outcome.to_json())
    assert "f" * 64 not in str(outcome.to_json())
    for page in tmp_path.rglob("*.html"):
        assert "f" * 64 not in page.read_text(encoding="utf-8")


def test_delivered_months_missing_from_the_mart_and_stale_marts_fail(tmp_path: Path) -> None:
    coverage = pd.DataFrame(
        {"municipality_id": ["1489", "1489", "1440"], "period": ["2025-01", "2025-02", "2025-02"],
         "present_in_mart": [True, True, False]}
    )
    freshness = pd.DataFrame(
        {"municipality_id": ["1489", "1440"], "newest_delivered": ["2025-02", "2025-02"],
         "newest_in_mart": ["2025-02", "2025-01"]}
    )
    outcome = validate_frames(
        personnel.SUITE,
        [
            FrameCheck("delivered", "fct_employment_months", coverage, ("municipality_id", "period"),
                       personnel.common.coverage_expectations("fct_employment_months")),
            FrameCheck("freshness", "fct_employment_months", freshness, ("municipality_id",),
                       personnel.common.freshness_expectations("fct_employment_months")),
        ],
        tmp_path,
    )
    assert failed_ids(outcome) == {"every_delivered_period_present", "newest_period_is_newest_delivered"}
    assert failure(outcome, "every_delivered_period_present").example_keys == [
        {"municipality_id": "1440", "period": "2025-02"}
    ]
    assert failure(outcome, "newest_period_is_newest_delivered").example_keys == [{"municipality_id": "1440"}]


# --- economy -------------------------------------------------------------------------------


def ledger_months() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "municipality_id": ["1489", "1489", "1489"],
            "period": ["2025-01", "2025-01", "2025-01"],
            "year": [2025] * 3,
            "month": [1] * 3,
            "unit_key": ["u1", "u1", "u1"],
            "unit_id": ["1001", "1001", "1001"],
            "area": ["Äldreomsorg"] * 3,
            "report_line": ["revenue", "personnel_costs", "financial_items"],
            "line_kind": ["revenue", "cost", "outside"],
            "is_in_net_cost": [True, True, False],
            "actual_sek": [1234.5, -8687.0, 100000.0],
            "budget_sek": [None, -9000.0, None],
            "n_ledger_rows": [1, 2, 1],
        }
    )


def test_clean_ledger_months_pass_and_faults_fail(tmp_path: Path) -> None:
    clean = run(economy.ledger_months_check(ledger_months(), areas=AREAS, report_lines=REPORT_LINES,
                                            min_rows=1, max_rows=4), tmp_path / "clean")
    assert clean.success, clean.message()

    faulty = ledger_months()
    faulty.loc[2, "report_line"] = "okänd_rad"
    faulty.loc[0, "unit_key"] = None
    faulty = pd.concat([faulty, faulty.iloc[[1]]], ignore_index=True)
    outcome = run(economy.ledger_months_check(faulty, areas=AREAS, report_lines=REPORT_LINES,
                                              min_rows=1, max_rows=3), tmp_path / "faulty")
    assert failed_ids(outcome) == {"key_unique", "report_line_in_vocabulary", "unit_in_register",
                                   "row_count_within_raw_bounds"}
    assert failure(outcome, "key_unique").example_keys == [
        {"municipality_id": "1489", "period": "2025-01", "unit_id": "1001", "report_line": "personnel_costs"}
    ]


def test_duplicated_ledger_rows_fail_with_file_and_line(tmp_path: Path) -> None:
    assert run(economy.duplicated_entries_check(pd.DataFrame(
        {"municipality_id": [], "period": [], "unit_id": [], "activity_code": [], "account_code": [],
         "rows_with_key": [], "source_file": [], "source_line": []})), tmp_path / "clean").success
    duplicated = pd.DataFrame(
        {"municipality_id": ["1489"], "period": ["2025-01"], "unit_id": ["1001"], "activity_code": ["510"],
         "account_code": ["5011"], "rows_with_key": [2], "source_file": ["ekonomi_huvudbok_1489_2025-01.csv"],
         "source_line": [7]}
    )

    outcome = run(economy.duplicated_entries_check(duplicated), tmp_path / "faulty")

    assert failed_ids(outcome) == {"ledger_entry_key_unique"}
    assert failure(outcome, "ledger_entry_key_unique").example_keys[0]["source_line"] == 7


def test_ledger_totals_differing_from_the_raw_ledger_fail(tmp_path: Path) -> None:
    totals = pd.DataFrame(
        {"municipality_id": ["1489", "1440"], "period": ["2025-01", "2025-01"],
         "actual_difference": [0.004, -8687.0], "budget_difference": [0.0, 0.0]}
    )
    outcome = run(economy.ledger_totals_check(totals), tmp_path)
    assert failed_ids(outcome) == {"ledger_totals_match_raw"}
    assert failure(outcome, "ledger_totals_match_raw").example_keys == [{"municipality_id": "1440", "period": "2025-01"}]


# --- quality (avvikelser) ------------------------------------------------------------------


def incident_snapshots() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "municipality_id": ["1489", "1489"],
            "snapshot_date": pd.to_datetime(["2025-02-03", "2025-02-03"]),
            "incident_id": ["AV-1", "AV-2"],
            "report_type": ["Avvikelse", "Tillbud"],
            "category": ["Fall", None],
            "legal_basis": ["HSL", None],
            "unit_key": ["u1", "u1"],
            "unit_id": ["1001", "1001"],
            "area": ["Äldreomsorg", "Äldreomsorg"],
            "event_date": pd.to_datetime(["2025-01-10", "2025-01-12"]),
            "report_date": pd.to_datetime(["2025-01-11", "2025-01-12"]),
            "severity": ["Lindrig", None],
            "status": ["Avslutad", "Ny"],
            "days_since_report": [23, 22],
            "days_to_close": [5, None],
            "source_file": ["avvikelser_1489_2025-02-03.csv"] * 2,
            "source_line": [2, 5],
        }
    )


def test_incident_vocabularies_and_dates(tmp_path: Path) -> None:
    check = quality.incident_snapshots_check(incident_snapshots(), areas=AREAS, raw_rows=2, raw_keys=2)
    assert run(check, tmp_path / "clean").success

    faulty = incident_snapshots()
    faulty.loc[1, "status"] = "Stängd"
    faulty.loc[0, "report_date"] = pd.Timestamp("2025-01-01")
    outcome = run(quality.incident_snapshots_check(faulty, areas=AREAS, raw_rows=2, raw_keys=2), tmp_path / "faulty")
    assert failed_ids(outcome) == {"status_in_vocabulary", "reported_after_event"}
    assert failure(outcome, "status_in_vocabulary").example_keys[0]["incident_id"] == "AV-2"


def test_free_text_columns_in_a_mart_fail(tmp_path: Path) -> None:
    columns = pd.DataFrame(
        {"table_name": ["fct_incident_snapshots", "fct_incident_snapshots"], "column_name": ["incident_id", "beskrivning"]}
    )
    outcome = run(quality.no_free_text_check(columns), tmp_path)
    assert failed_ids(outcome) == {"no_free_text_in_marts"}
