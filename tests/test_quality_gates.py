"""The quality gates: each mart suite catches realistic delivery faults, and a failed suite blocks publish.

Unit level: the suites' frame checks on small DataFrames shaped like the marts.
End to end (further down): the sample warehouse with a fault injected, the
checks and the publish step run through Dagster.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.dbt_invocation import invoke_dbt
from orchestration.defs.ingest.landing import load_landing_folder
from orchestration.defs.publish.assets import DIMENSION_TABLES, FACT_TABLES, PUBLISHED_MARTS_KEY, published_marts
from orchestration.defs.publish.versions import current_version, versions_dir
from orchestration.defs.quality.checks import build_suite_checks
from orchestration.defs.quality.framework import FrameCheck, MartSuite, SuiteOutcome, validate_frames
from orchestration.defs.quality.keys import mart_asset_key
from orchestration.defs.quality.suites import SUITES, economy, goals, metrics, personnel, quality
from orchestration.settings import Settings, load_settings
from orchestration.warehouse import warehouse_connection, warehouse_lock

AREAS = ["Äldreomsorg", "Funktionsstöd", "Kommunal primärvård"]
REPORT_LINES = ["revenue", "personnel_costs", "purchased_services", "premises_rent", "other_costs", "financial_items"]


def run(check: FrameCheck, docs_dir: Path) -> SuiteOutcome:
    suite = MartSuite(name="unit", title="Enhetstest", marts=(check.mart,), build=lambda connection, passed: [check])
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
    assert failure(outcome, "ledger_totals_match_raw").example_keys == [
        {"municipality_id": "1440", "period": "2025-01"}
    ]


# --- quality (avvikelser) ------------------------------------------------------------------


def incident_versions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "municipality_id": ["1489", "1489", "1489"],
            "incident_id": ["AV-1", "AV-2", "AV-2"],
            "first_snapshot_date": pd.to_datetime(["2025-02-03", "2025-02-03", "2025-03-03"]),
            "last_snapshot_date": pd.to_datetime([None, "2025-02-03", None]),
            "report_type": ["Avvikelse", "Tillbud", "Tillbud"],
            "category": ["Fall", None, None],
            "legal_basis": ["HSL", None, None],
            "unit_key": ["u1", "u1", "u1"],
            "unit_id": ["1001", "1001", "1001"],
            "area": ["Äldreomsorg", "Äldreomsorg", "Äldreomsorg"],
            "event_date": pd.to_datetime(["2025-01-10", "2025-01-12", "2025-01-12"]),
            "report_date": pd.to_datetime(["2025-01-11", "2025-01-12", "2025-01-12"]),
            "severity": ["Lindrig", None, "Ingen"],
            "status": ["Avslutad", "Ny", "Avslutad"],
            "days_to_close": [5, None, 30],
            "source_file": ["avvikelser_1489_2025-02-03.csv"] * 2 + ["avvikelser_1489_2025-03-03.csv"],
            "source_line": [2, 5, 5],
        }
    )


def test_incident_vocabularies_and_dates(tmp_path: Path) -> None:
    assert run(quality.incident_versions_check(incident_versions(), areas=AREAS), tmp_path / "clean").success

    faulty = incident_versions()
    faulty.loc[1, "status"] = "Stängd"
    faulty.loc[0, "report_date"] = pd.Timestamp("2025-01-01")
    faulty.loc[2, "last_snapshot_date"] = pd.Timestamp("2025-02-03")
    outcome = run(quality.incident_versions_check(faulty, areas=AREAS), tmp_path / "faulty")
    assert failed_ids(outcome) == {"status_in_vocabulary", "reported_after_event", "valid_to_after_valid_from"}
    assert failure(outcome, "status_in_vocabulary").example_keys[0]["incident_id"] == "AV-2"


def test_snapshot_report_counts_must_match_raw(tmp_path: Path) -> None:
    snapshots = pd.DataFrame(
        {
            "municipality_id": ["1489", "1489"],
            "snapshot_date": pd.to_datetime(["2025-02-03", "2025-03-03"]),
            "n_reports": [2, 3],
            "n_new_or_changed_reports": [2, 1],
            "reports_difference": [0, 0],
        }
    )
    assert run(quality.incident_snapshots_check(snapshots), tmp_path / "clean").success

    snapshots.loc[1, "reports_difference"] = -1
    outcome = run(quality.incident_snapshots_check(snapshots), tmp_path / "faulty")
    assert failed_ids(outcome) == {"reports_match_raw_snapshot"}
    assert failure(outcome, "reports_match_raw_snapshot").example_keys == [
        {"municipality_id": "1489", "snapshot_date": "2025-03-03 00:00:00"}
    ]


def test_free_text_columns_in_a_mart_fail(tmp_path: Path) -> None:
    columns = pd.DataFrame(
        {
            "table_name": ["fct_incident_versions", "fct_incident_versions"],
            "column_name": ["incident_id", "beskrivning"],
        }
    )
    outcome = run(quality.no_free_text_check(columns), tmp_path)
    assert failed_ids(outcome) == {"no_free_text_in_marts"}


# --- end to end: the sample warehouse, a fault, the checks and the publish step in Dagster ----


def stand_in_marts() -> dg.AssetsDefinition:
    """The dbt mart assets, as already built: the warehouse copy holds their tables."""
    keys = [mart_asset_key(table) for table in (*FACT_TABLES, *DIMENSION_TABLES)]

    @dg.multi_asset(specs=[dg.AssetSpec(key) for key in keys], name="stand_in_dbt_marts")
    def marts() -> Iterator[dg.MaterializeResult]:
        for key in keys:
            yield dg.MaterializeResult(asset_key=key)

    return marts


def run_gate(suites: list[MartSuite] = SUITES) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [stand_in_marts(), *build_suite_checks(suites), published_marts],
        raise_on_error=False,
    )


def step_failure_message(result: dg.ExecuteInProcessResult, step_key: str) -> str:
    failures = [event for event in result.all_events if event.is_step_failure and event.step_key == step_key]
    assert failures, f"step {step_key} did not fail"
    return failures[0].step_failure_data.error.message


def published(result: dg.ExecuteInProcessResult) -> bool:
    return any(
        event.asset_key == PUBLISHED_MARTS_KEY for event in result.get_asset_materialization_events()
    )


@dataclass(frozen=True)
class Gate:
    settings: Settings
    version: str


@pytest.fixture(scope="module")
def published_sample(sample_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample warehouse that passed every suite and was published once through Dagster."""
    workdir = tmp_path_factory.mktemp("published_sample")
    shutil.copy2(sample_warehouse, workdir / "warehouse.duckdb")
    with pytest.MonkeyPatch.context() as patch:
        point_settings_at(patch, workdir)
        result = run_gate()
    assert result.success, [
        step_failure_message(result, event.step_key) for event in result.all_events if event.is_step_failure
    ]
    assert published(result)
    evaluations = result.get_asset_check_evaluations()
    assert {evaluation.check_name for evaluation in evaluations} == {suite.check_name for suite in SUITES}
    assert all(evaluation.passed for evaluation in evaluations)
    return workdir


def point_settings_at(patch: pytest.MonkeyPatch, workdir: Path) -> Settings:
    patch.delenv("LANDING_DIR", raising=False)
    patch.setenv("DUCKDB_PATH", str(workdir / "warehouse.duckdb"))
    patch.setenv("PUBLISH_DIR", str(workdir / "published"))
    return load_settings()


@pytest.fixture
def gate(published_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Gate:
    """This test's own copy of the published sample: warehouse, published versions and all."""
    workdir = tmp_path / "run"
    shutil.copytree(published_sample, workdir, symlinks=True)
    settings = point_settings_at(monkeypatch, workdir)
    version = current_version(settings.publish_dir)
    assert version is not None
    return Gate(settings=settings, version=version)


def assert_last_good_version_intact(gate: Gate) -> None:
    publish_dir = gate.settings.publish_dir
    assert current_version(publish_dir) == gate.version
    assert [path.name for path in versions_dir(publish_dir).iterdir()] == [gate.version]
    manifest = json.loads((publish_dir / "current" / "manifest.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(publish_dir / "current" / "warehouse.duckdb"), read_only=True) as reader:
        assert reader.execute("select version from _publication").fetchone()[0] == gate.version
        for table, info in manifest["tables"].items():
            assert reader.execute(f'select count(*) from "{table}"').fetchone()[0] == info["rows"]


def assert_blocked(result: dg.ExecuteInProcessResult, suite: MartSuite, mart: str, expectation_id: str) -> str:
    assert not result.success
    assert not published(result)
    failed = [evaluation for evaluation in result.get_asset_check_evaluations() if not evaluation.passed]
    assert [(evaluation.asset_key, evaluation.check_name) for evaluation in failed] == [
        (mart_asset_key(mart), suite.check_name)
    ]
    failures = failed[0].metadata["failures"].value
    assert expectation_id in {failure["expectation"] for failure in failures}
    assert failed[0].metadata["failed_expectations"].value == len(failures)
    assert Path(failed[0].metadata["data_docs"].value).is_file()
    message = step_failure_message(result, suite.check_name)
    assert f"{mart}: {expectation_id}" in message
    assert "Inget publicerades" in message
    return message


def rebuild_marts_from(settings: Settings, model: str, target_path: Path) -> None:
    with warehouse_lock(settings):
        result = invoke_dbt(["run", "--select", f"{model}+"], target_path=target_path, duckdb_path=settings.duckdb_path)
    assert result.success, result.exception


LEDGER_HEADER = "kommunkod;period;ansvar;verksamhet;konto;utfall;budget"


def test_a_delivery_with_duplicated_ledger_rows_is_stopped_by_the_economy_suite(
    gate: Gate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with warehouse_connection(gate.settings, read_only=True) as connection:
        kommunkod, period, ansvar, verksamhet, konto = connection.execute(
            "select kommunkod, period, ansvar, verksamhet, konto from raw.ekonomi_huvudbok "
            "where konto like '5%' order by period desc, ansvar, konto limit 1"
        ).fetchone()
    landing = tmp_path / "landing"
    landing.mkdir()
    row = f"{kommunkod};{period};{ansvar};{verksamhet};{konto};1 234 567,00;"
    # A corrected export in which the source system wrote one line twice.
    (landing / f"ekonomi_huvudbok_{kommunkod}_{period}_rattelse.csv").write_text(
        f"{LEDGER_HEADER}\n{row}\n{row}\n", encoding="cp1252"
    )
    monkeypatch.setenv("LANDING_DIR", str(landing))
    monkeypatch.setenv("PSEUDONYM_KEY", "test-key-for-quality-gate-tests")
    summary = load_landing_folder(load_settings(), kinds=["ekonomi_huvudbok"])
    assert not summary.errors
    rebuild_marts_from(gate.settings, "stg_economy__ledger_entries", tmp_path / "dbt_target")

    result = run_gate([economy.SUITE])

    message = assert_blocked(result, economy.SUITE, "fct_ledger_months", "ledger_entry_key_unique")
    assert f"municipality_id={kommunkod}, period={period}, unit_id={ansvar}" in message
    assert_last_good_version_intact(gate)


def test_sick_leave_above_ordinary_hours_is_stopped_by_the_personnel_suite(gate: Gate) -> None:
    with warehouse_connection(gate.settings) as connection:
        municipality_id, period, employment_id = connection.execute(
            """
            update marts.fct_employment_months
            set sick_hours_day1_14 = ordinary_hours + 12, sick_hours_day15_59 = 0, sick_hours_day60_plus = 0,
                sick_hours_total = ordinary_hours + 12
            where employment_month_key = (
                select min(employment_month_key) from marts.fct_employment_months
                where is_monthly_paid and ordinary_hours > 0
            )
            returning municipality_id, period, employment_id
            """
        ).fetchone()

    result = run_gate([personnel.SUITE])

    message = assert_blocked(result, personnel.SUITE, "fct_employment_months", "sick_hours_within_ordinary_hours")
    assert f"municipality_id={municipality_id}, period={period}, employment_id={employment_id}" in message
    assert "person_hash" not in message
    assert_last_good_version_intact(gate)


def test_a_unit_missing_from_the_register_is_stopped_by_the_economy_suite(gate: Gate) -> None:
    with warehouse_connection(gate.settings) as connection:
        connection.execute(
            """
            update marts.fct_ledger_months
            set unit_id = '9999', unit_key = null, unit_name = null, department = null, area = null
            where period = (select max(period) from marts.fct_ledger_months)
                and unit_id = (select min(unit_id) from marts.fct_ledger_months)
            """
        )

    result = run_gate([economy.SUITE])

    message = assert_blocked(result, economy.SUITE, "fct_ledger_months", "unit_in_register")
    assert "unit_id=9999" in message
    assert_last_good_version_intact(gate)


def test_a_kolada_share_of_140_percent_stops_publish_even_when_only_publish_runs(gate: Gate) -> None:
    with warehouse_connection(gate.settings) as connection:
        kpi_id = connection.execute(
            "select min(kpi_id) from marts.dim_kpi where contains(lower(kpi_title), 'andel (%)')"
        ).fetchone()[0]
        connection.execute(
            """
            update marts.fct_kolada_comparisons set value = 140
            where kpi_id = ? and municipality_id = '1489' and gender = 'T'
                and year = (select max(year) from marts.fct_kolada_comparisons where kpi_id = ?)
            """,
            [kpi_id, kpi_id],
        )

    # No checks in this run: the publish step runs the suites itself before publishing anything.
    result = dg.materialize([stand_in_marts(), published_marts], raise_on_error=False)

    assert not result.success and not published(result)
    message = step_failure_message(result, "published_marts")
    assert "fct_kolada_comparisons: share_value_within_0_100" in message
    assert f"kpi_id={kpi_id}, municipality_id=1489" in message
    assert_last_good_version_intact(gate)


def test_a_clean_rerun_passes_reports_counts_and_leaves_the_published_version_alone(gate: Gate) -> None:
    result = run_gate([goals.SUITE, metrics.SUITE])

    assert result.success and published(result)
    materialization = next(
        event for event in result.get_asset_materialization_events() if event.asset_key == PUBLISHED_MARTS_KEY
    ).materialization
    assert materialization.metadata["unchanged"].value is True
    assert current_version(gate.settings.publish_dir) == gate.version
    for evaluation in result.get_asset_check_evaluations():
        assert evaluation.passed
        assert evaluation.metadata["expectations"].value > 0
        assert evaluation.metadata["failed_expectations"].value == 0
    current = gate.settings.publish_dir / "current"
    summary = json.loads((current / "validation_summary.json").read_text(encoding="utf-8"))
    assert summary["version"] == gate.version
    assert set(summary["suites"]) == {suite.name for suite in SUITES}
    overview = (current / "quality" / "index.html").read_text(encoding="utf-8")
    assert all(f"{suite.name}/index.html" in overview for suite in SUITES)
    assert (current / "quality" / "economy" / "index.html").is_file()


def test_checks_guard_the_mart_assets_dbt_builds() -> None:
    from dagster_dbt import get_asset_key_for_model

    from orchestration.defs.transform.assets import dbt_models

    for suite in SUITES:
        for mart in suite.marts:
            assert get_asset_key_for_model([dbt_models], mart) == mart_asset_key(mart)
    for table in DIMENSION_TABLES:
        assert get_asset_key_for_model([dbt_models], table) == mart_asset_key(table)
