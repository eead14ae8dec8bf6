"""The short summary `make run` ends with: files, quarantine, checks, publish."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb

from orchestration.settings import Settings
from orchestration.warehouse import warehouse_connection


def print_run_summary(settings: Settings, result: dg.ExecuteInProcessResult, started_at: dt.datetime) -> None:
    print("\n=== Sammanfattning ===")
    try:
        print_load_summary(settings, started_at)
    except duckdb.IOException as error:
        # After a failed step dbt's subprocess may still be shutting down with the file open.
        print(f"Inläsningsloggen kunde inte läsas just nu ({error}); se raw.load_log efter körningen.")

    evaluations = result.get_asset_check_evaluations()
    failed = [evaluation for evaluation in evaluations if not evaluation.passed]
    print(f"Kontroller: {len(evaluations) - len(failed)} godkända, {len(failed)} underkända")
    for evaluation in failed:
        print(f"  UNDERKÄND {evaluation.asset_key.to_user_string()}: {evaluation.check_name}")

    current = settings.publish_dir / "current"
    if result.success and current.exists():
        print(f"Publicerat för BI-verktyg: {current.resolve()}")
    elif not result.success:
        print("Körningen misslyckades: inget publicerades, den senast publicerade versionen ligger kvar.")
    print(f"Lager: {settings.duckdb_path}")


def print_load_summary(settings: Settings, started_at: dt.datetime) -> None:
    if not settings.duckdb_path.exists():
        return
    with warehouse_connection(settings, read_only=True) as connection:
        files = connection.execute(
            """
            select source_kind, outcome, count(*), sum(rows_loaded), sum(rows_quarantined)
            from raw.load_log where loaded_at >= ? group by all order by all
            """,
            [started_at],
        ).fetchall()
        quarantined_total = connection.execute("select count(*) from raw.quarantine").fetchone()[0]
    if files:
        print("Inlästa filer i den här körningen:")
        for kind, outcome, count, loaded, quarantined in files:
            print(f"  {kind:<28} {outcome:<9} {count:>3} filer, {loaded:>10} rader, {quarantined:>4} i karantän")
    else:
        print("Inga nya filer i LANDING_DIR (redan inlästa filer läses inte in igen).")
    print(f"Rader i karantän totalt: {quarantined_total} (se raw.quarantine)")
