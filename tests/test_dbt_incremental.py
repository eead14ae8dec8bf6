"""An incremental dbt build after new deliveries gives exactly the marts of a full rebuild.

Starts from the sample warehouse (built in full by conftest), delivers the next month for one
municipality (personalstatistik, ledger and an avvikelser snapshot), a corrected older month of
personalstatistik and of the ledger, and a re-delivered unit register with one renamed unit, and
runs `dbt build` on top. Then, as the following month, only new partitions: one more month and
snapshot for that municipality (so versions of the snapshot before it end there and D(P) moves
for the new periods only), a corrected older avvikelser snapshot and corrected leavers of the other
municipality (not its latest snapshot), and a second incremental `dbt build`. Every mart is compared row for row with
`dbt build --full-refresh` over the same raw data.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_runner import run_dbt

from orchestration.settings import SAMPLE_LANDING_DIR, load_settings

INCREMENTAL_MODELS = (
    "fct_employment_months",
    "int_employment_endings_joined_to_units",
    "int_ledger_entries_joined_to_units",
    "int_incident_versions_joined_to_units",
    "fct_incident_versions",
    "int_incident_versions_assigned_to_periods",
    "fct_net_cost_yearly",
    "fct_metric_values",
)


def _dbt(args: list[str], target_path: Path) -> None:
    failed = run_dbt(args, target_path)
    assert not failed, failed


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    # Delivered files come in UTF-8 or Windows-1252, as the contract allows.
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="cp1252")
    header, *rows = csv.reader(io.StringIO(text), delimiter=";")
    return header, [row for row in rows if row]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file, delimiter=";", lineterminator="\n").writerows([header, *rows])


def _delivery(
    source: Path, target: Path, keep: dict[str, str], changes: dict[str, str], every: int = 1
) -> None:
    """The rows of `source` matching `keep`, with `changes` applied to every n-th of them."""
    header, rows = _read(source)
    kept = [row for row in rows if all(row[header.index(column)] == value for column, value in keep.items())]
    for number, row in enumerate(kept):
        if number % every == 0:
            for column, value in changes.items():
                row[header.index(column)] = value
    _write(target, header, kept)


def _deliver(landing: Path) -> None:
    """Next month for 1440 (a new month and a new avvikelser snapshot), corrected older months and a
    re-delivered unit register with one renamed unit."""
    _delivery(
        SAMPLE_LANDING_DIR / "personal_manad_1440_2025.csv",
        landing / "personal_manad_1440_2026-01.csv",
        {"period": "2025-12"},
        {"period": "2026-01"},
    )
    _delivery(
        SAMPLE_LANDING_DIR / "ekonomi_huvudbok_1440_2025.csv",
        landing / "ekonomi_huvudbok_1440_2026-01.csv",
        {"period": "2025-12"},
        {"period": "2026-01"},
    )
    _delivery(
        SAMPLE_LANDING_DIR / "avvikelser_1440_2025-12-31.csv",
        landing / "avvikelser_1440_2026-01-31.csv",
        {},
        {"uttagsdatum": "2026-01-31"},
    )
    _delivery(
        SAMPLE_LANDING_DIR / "personal_manad_1440_2024.csv",
        landing / "personal_manad_1440_2024-03_rattelse.csv",
        {"period": "2024-03"},
        {"sjuk_h_dag1_14": "40"},
        every=3,
    )
    _delivery(
        SAMPLE_LANDING_DIR / "ekonomi_huvudbok_1489_2023.csv",
        landing / "ekonomi_huvudbok_1489_2023-05_rattelse.csv",
        {"period": "2023-05"},
        {"utfall": "-12 345,67"},
        every=4,
    )
    header, rows = _read(SAMPLE_LANDING_DIR / "organisation_1440.csv")
    rows[0][header.index("enhet_namn")] = "Omdöpt enhet"
    _write(landing / "organisation_1440_rattelse.csv", header, rows)


def _deliver_following_month(landing: Path) -> None:
    """2026-02 and a 2026-02-28 snapshot for 1440; a corrected mid-2024 snapshot and 2024 leavers for 1489."""
    _delivery(
        SAMPLE_LANDING_DIR / "personal_manad_1440_2025.csv",
        landing / "personal_manad_1440_2026-02.csv",
        {"period": "2025-12"},
        {"period": "2026-02"},
    )
    _delivery(
        SAMPLE_LANDING_DIR / "ekonomi_huvudbok_1440_2025.csv",
        landing / "ekonomi_huvudbok_1440_2026-02.csv",
        {"period": "2025-12"},
        {"period": "2026-02"},
    )
    _delivery(
        SAMPLE_LANDING_DIR / "avvikelser_1440_2025-12-31.csv",
        landing / "avvikelser_1440_2026-02-28.csv",
        {},
        {"uttagsdatum": "2026-02-28"},
    )
    _delivery(
        SAMPLE_LANDING_DIR / "avvikelser_1489_2024-06-30.csv",
        landing / "avvikelser_1489_2024-06-30_rattelse.csv",
        {},
        {"allvarlighetsgrad": "Allvarlig"},
        every=5,
    )
    _delivery(
        SAMPLE_LANDING_DIR / "personal_avgang_1489_2024.csv",
        landing / "personal_avgang_1489_2024_rattelse.csv",
        {},
        {"avgangsorsak": "Pension"},
        every=3,
    )


def _marts(connection: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[tuple[str, str]]]:
    rows = connection.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = 'marts' order by table_name, ordinal_position",
        [catalog],
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def _unmatched(connection: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]]) -> tuple[int, int]:
    """Rows of each build without an equal row in the other (EXCEPT ALL both ways).

    Parallel sums of doubles differ in their last bits between identical builds, so rows left
    over on both sides still match when every double agrees to 1e-9 (relative) and all other
    columns are equal.
    """
    listed = ", ".join(f'"{name}"' for name, _ in columns)
    connection.execute(
        f"create or replace temp table only_incremental as select {listed} from incremental.marts.{table} "
        f"except all select {listed} from full_rebuild.marts.{table}"
    )
    connection.execute(
        f"create or replace temp table only_full as select {listed} from full_rebuild.marts.{table} "
        f"except all select {listed} from incremental.marts.{table}"
    )
    near = " and ".join(
        f'(abs(left_rows."{name}" - right_rows."{name}") <= 1e-9 * greatest(1, abs(left_rows."{name}"))'
        f' or (left_rows."{name}" is null and right_rows."{name}" is null))'
        if data_type in ("DOUBLE", "FLOAT")
        else f'left_rows."{name}" is not distinct from right_rows."{name}"'
        for name, data_type in columns
    )
    counts = []
    for left, right in (("only_incremental", "only_full"), ("only_full", "only_incremental")):
        counts.append(
            connection.execute(
                f"select count(*) from {left} as left_rows where not exists "
                f"(select 1 from {right} as right_rows where {near})"
            ).fetchone()[0]
        )
    return counts[0], counts[1]


@pytest.fixture(scope="module")
def rebuilt(sample_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(incrementally built warehouse, fully rebuilt warehouse, target path of the incremental run)."""
    workdir = tmp_path_factory.mktemp("dbt_incremental")
    incremental, full = workdir / "incremental.duckdb", workdir / "full.duckdb"
    shutil.copy(sample_warehouse, incremental)
    deliveries = (workdir / "landing", workdir / "landing_following_month")
    for landing, deliver in zip(deliveries, (_deliver, _deliver_following_month), strict=True):
        landing.mkdir()
        deliver(landing)
    with pytest.MonkeyPatch.context() as patch:
        from orchestration.defs.ingest.landing import load_landing_folder

        # The sample's demo pseudonym key, so the new rows hash people as the sample build did.
        patch.setenv("DEMO_MODE", "1")
        patch.setenv("DUCKDB_PATH", str(incremental))
        for landing in deliveries:
            patch.setenv("LANDING_DIR", str(landing))
            summary = load_landing_folder(load_settings())
            assert not summary.errors, summary.errors
            _dbt(["build", "--exclude-resource-type", "unit_test"], workdir / "incremental_target")
        shutil.copy(incremental, full)
        patch.setenv("DUCKDB_PATH", str(full))
        _dbt(["build", "--full-refresh", "--exclude-resource-type", "unit_test"], workdir / "full_target")
    return incremental, full, workdir / "incremental_target"


def test_new_loads_reach_the_incremental_build(rebuilt: tuple[Path, Path, Path]) -> None:
    incremental, _, target = rebuilt
    for model in INCREMENTAL_MODELS:
        [compiled] = (target / "run").rglob(f"{model}.sql")
        assert compiled.read_text(encoding="utf-8").lstrip().startswith("delete from"), model
    with duckdb.connect(str(incremental), read_only=True) as connection:
        periods = connection.execute(
            "select count(*) filter (where period = '2026-01'), "
            "count(*) filter (where period = '2024-03' and municipality_id = '1440' and sick_hours_day1_14 = 40), "
            "count(*) filter (where municipality_id = '1440' and unit_name = 'Omdöpt enhet') "
            "from marts.fct_employment_months"
        ).fetchone()
    assert all(count > 0 for count in periods), periods


def test_incremental_marts_equal_full_rebuild(rebuilt: tuple[Path, Path, Path]) -> None:
    incremental, full, _ = rebuilt
    with duckdb.connect() as connection:
        connection.execute(f"attach '{incremental}' as incremental (read_only)")
        connection.execute(f"attach '{full}' as full_rebuild (read_only)")
        tables = _marts(connection, "incremental")
        assert tables == _marts(connection, "full_rebuild")
        differing = {}
        for table, columns in tables.items():
            counts = _unmatched(connection, table, columns)
            if counts != (0, 0):
                differing[table] = counts
        assert not differing, differing
