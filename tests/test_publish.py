"""Publishing the marts for BI tools: versions, the atomic swap, pruning, and a real concurrent reader."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import duckdb
import pytest
from concurrent_reader import publish_while_reading

from orchestration.defs.publish.versions import (
    PUBLICATION_TABLE,
    Publication,
    PublishRefused,
    current_version,
    prune_versions,
    publish_marts,
    versions_dir,
)
from orchestration.defs.quality.framework import FailedExpectation, SuiteOutcome
from orchestration.settings import Settings, load_settings
from orchestration.warehouse import warehouse_connection


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(
        {
            "LANDING_DIR": str(tmp_path / "landing"),
            "DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
            "PUBLISH_DIR": str(tmp_path / "published"),
            "PSEUDONYM_KEY": "test-key-for-publish-tests",
        }
    )


def build_marts(settings: Settings, generation: int) -> None:
    """Marts whose every row carries `generation`, with a row count that differs per generation."""
    with warehouse_connection(settings) as connection:
        connection.execute("create schema if not exists marts")
        connection.execute(
            f"""
            create or replace table marts.fct_ledger_months as
            select
                '1489' as municipality_id,
                strftime(date '2024-01-01' + to_months(month_number), '%Y-%m') as period,
                cast(-1000.25 * month_number as decimal(18, 4)) as actual_sek,
                {generation} as generation,
                md5(cast(month_number as varchar)) as person_hash
            from range({10 + generation}) as months(month_number)
            """
        )
        connection.execute(
            f"""
            create or replace table marts.dim_municipality as
            select * from (values ('1489', 'Alingsås', {generation}), ('1440', 'Ale', {generation}))
                as municipalities(municipality_id, municipality_name, generation)
            """
        )
        connection.execute("comment on table marts.fct_ledger_months is 'Huvudboken per månad'")
        connection.execute("comment on column marts.fct_ledger_months.actual_sek is 'Utfall i kronor'")
        connection.execute("comment on column marts.fct_ledger_months.person_hash is 'Pseudonym'")


def passed(suite: str = "economy") -> SuiteOutcome:
    return SuiteOutcome(
        suite=suite,
        title="Ekonomi",
        validated_at="2025-03-05T06:10:00+00:00",
        expectations_by_mart={"fct_ledger_months": 12},
        rows_by_frame={"fct_ledger_months": 10},
        failures=[],
        data_docs_index="/nowhere/index.html",
    )


def failed(suite: str = "economy") -> SuiteOutcome:
    outcome = passed(suite)
    failure = FailedExpectation(
        mart="fct_ledger_months",
        frame="fct_ledger_months",
        expectation="key_unique",
        expectation_type="expect_compound_columns_to_be_unique",
        description="En rad per kommun, månad och konto.",
        unexpected_count=2,
        example_keys=[{"municipality_id": "1489", "period": "2024-03"}],
        observed=None,
    )
    return SuiteOutcome(**{**outcome.__dict__, "failures": [failure]})


def test_a_version_holds_parquet_a_read_only_duckdb_copy_and_the_validation_summary(
    settings: Settings, tmp_path: Path
) -> None:
    build_marts(settings, generation=1)
    quality_dir = tmp_path / "validations-of-this-run"
    (quality_dir / "economy").mkdir(parents=True)
    (quality_dir / "index.html").write_text("<html>översikt</html>", encoding="utf-8")

    publication = publish_marts(settings, run_id="run-1", outcomes={"economy": passed()}, quality_dir=quality_dir)

    current = settings.publish_dir / "current"
    assert current.resolve() == publication.path.resolve()
    assert os.readlink(current) == f"versions/{publication.version}"
    assert publication.rows_by_table == {"dim_municipality": 2, "fct_ledger_months": 11}
    with duckdb.connect() as reader:
        rows = reader.execute(f"select count(*) from read_parquet('{current}/marts/fct_ledger_months.parquet')")
        assert rows.fetchone()[0] == 11
    with duckdb.connect(str(current / "warehouse.duckdb"), read_only=True) as reader:
        assert reader.execute(f"select version, run_id from {PUBLICATION_TABLE}").fetchone() == (
            publication.version,
            "run-1",
        )
        assert reader.execute("select sum(actual_sek) from fct_ledger_months").fetchone()[0] == pytest.approx(
            -1000.25 * sum(range(11))
        )
        assert reader.execute(
            "select comment from duckdb_columns() "
            "where table_name = 'fct_ledger_months' and column_name = 'actual_sek'"
        ).fetchone() == ("Utfall i kronor",)
        assert reader.execute(
            "select data_type from duckdb_columns() "
            "where table_name = 'fct_ledger_months' and column_name = 'actual_sek'"
        ).fetchone() == ("DECIMAL(18,4)",)
        assert "person_hash" not in {row[0] for row in reader.execute("describe fct_ledger_months").fetchall()}
    with duckdb.connect() as reader:
        parquet_columns = reader.execute(
            f"describe select * from read_parquet('{current}/marts/fct_ledger_months.parquet')"
        ).fetchall()
        assert "person_hash" not in {row[0] for row in parquet_columns}
    manifest = json.loads((current / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == publication.version
    assert manifest["tables"]["fct_ledger_months"]["rows"] == 11
    summary = json.loads((current / "validation_summary.json").read_text(encoding="utf-8"))
    assert summary["success"] is True and summary["suites"]["economy"]["success"] is True
    assert (current / "quality" / "index.html").read_text(encoding="utf-8") == "<html>översikt</html>"
    assert not os.access(current / "warehouse.duckdb", os.W_OK) or os.geteuid() == 0


def test_a_failed_suite_publishes_nothing_and_keeps_the_last_good_version(settings: Settings) -> None:
    build_marts(settings, generation=1)
    good = publish_marts(settings, run_id="run-1", outcomes={"economy": passed()}, quality_dir=None)
    build_marts(settings, generation=2)

    with pytest.raises(PublishRefused, match="key_unique.*municipality_id=1489, period=2024-03"):
        publish_marts(
            settings, run_id="run-2", outcomes={"economy": failed(), "personnel": passed("personnel")}, quality_dir=None
        )
    with pytest.raises(PublishRefused):
        publish_marts(settings, run_id="run-3", outcomes={}, quality_dir=None)

    assert current_version(settings.publish_dir) == good.version
    assert sorted(path.name for path in versions_dir(settings.publish_dir).iterdir()) == [good.version]
    with duckdb.connect(str(settings.publish_dir / "current" / "warehouse.duckdb"), read_only=True) as reader:
        assert reader.execute("select distinct generation from fct_ledger_months").fetchall() == [(1,)]


def test_publishing_unchanged_marts_again_keeps_the_current_version(settings: Settings) -> None:
    build_marts(settings, generation=1)
    first = publish_marts(settings, run_id="run-1", outcomes={"economy": passed()}, quality_dir=None)
    with warehouse_connection(settings) as connection:
        # Same rows in another physical order: the same content.
        connection.execute(
            "create or replace table marts.dim_municipality as select * from marts.dim_municipality order by 1"
        )

    again = publish_marts(settings, run_id="run-2", outcomes={"economy": passed()}, quality_dir=None)

    assert again.unchanged and again.version == first.version
    assert again.rows_by_table == first.rows_by_table
    assert [path.name for path in versions_dir(settings.publish_dir).iterdir()] == [first.version]

    build_marts(settings, generation=2)
    changed = publish_marts(settings, run_id="run-3", outcomes={"economy": passed()}, quality_dir=None)
    assert not changed.unchanged and current_version(settings.publish_dir) == changed.version


def test_old_versions_are_pruned_but_never_the_current_one_or_one_being_read(settings: Settings) -> None:
    build_marts(settings, generation=1)
    first = publish_marts(settings, run_id="run-1", outcomes={"economy": passed()}, quality_dir=None)
    with (first.path / "marts" / "fct_ledger_months.parquet").open("rb"):
        for generation in range(2, 6):
            build_marts(settings, generation=generation)
            publish_marts(
                settings, run_id=f"run-{generation}", outcomes={"economy": passed()}, quality_dir=None, keep=2
            )
        # The first version is beyond the newest two but a reader still has a file in it open.
        assert first.path.is_dir()
    assert prune_versions(settings.publish_dir, keep=2) == [first.version]
    remaining = sorted(path.name for path in versions_dir(settings.publish_dir).iterdir())
    assert len(remaining) == 2 and remaining[-1] == current_version(settings.publish_dir)


def test_a_build_left_by_a_crashed_publish_is_cleaned_up(settings: Settings) -> None:
    build_marts(settings, generation=1)
    abandoned = versions_dir(settings.publish_dir) / ".building-20250101T000000.000000Z-999999999"
    (abandoned / "marts").mkdir(parents=True)
    (abandoned / "marts" / "half.parquet").write_bytes(b"PAR1")

    publish_marts(settings, run_id="run-1", outcomes={"economy": passed()}, quality_dir=None)

    assert not abandoned.exists()


READER = textwrap.dedent(
    """
    import hashlib, json, os, sys, traceback
    from pathlib import Path
    import duckdb

    publish_dir, stop_file = Path(sys.argv[1]), Path(sys.argv[2])

    def sha256(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def check_generation(values, where):
        if len(set(values)) != 1:
            raise AssertionError(f"{where}: versions mixed: {sorted(set(values))}")
        return values[0]

    try:
        while not stop_file.exists():
            # As a BI tool does: open current/warehouse.duckdb by its path.
            with duckdb.connect(str(publish_dir / "current" / "warehouse.duckdb"), read_only=True) as connection:
                version = connection.execute("select version from _publication").fetchone()[0]
                manifest = json.loads((publish_dir / "versions" / version / "manifest.json").read_text())
                generations = []
                for table, info in manifest["tables"].items():
                    count = connection.execute(f'select count(*) from "{table}"').fetchone()[0]
                    if count != info["rows"]:
                        raise AssertionError(f"{version} {table}: {count} rows, manifest says {info['rows']}")
                    rows = connection.execute(f'select distinct generation from "{table}"').fetchall()
                    generations += [row[0] for row in rows]
                check_generation(generations, f"duckdb {version}")
            # As a Parquet reader does: resolve current once, read everything below it.
            version_dir = Path(os.path.realpath(publish_dir / "current"))
            manifest = json.loads((version_dir / "manifest.json").read_text())
            generations = []
            with duckdb.connect() as connection:
                for table, info in manifest["tables"].items():
                    for file in info["files"]:
                        if sha256(version_dir / file["path"]) != file["sha256"]:
                            raise AssertionError(f"{file['path']}: checksum differs from the manifest")
                    path = version_dir / info["parquet"]
                    count, generation = connection.execute(
                        f"select count(*), min(generation) from read_parquet('{path}')"
                    ).fetchone()
                    if count != info["rows"]:
                        raise AssertionError(f"{path}: {count} rows, manifest says {info['rows']}")
                    generations.append(generation)
            check_generation(generations, f"parquet {manifest['version']}")
            print(json.dumps({"duckdb": version, "parquet": manifest["version"]}), flush=True)
    except BaseException:
        print(json.dumps({"error": traceback.format_exc()}), flush=True)
        sys.exit(1)
    """
)


def test_a_concurrent_reader_never_fails_and_always_sees_one_complete_version(
    settings: Settings, tmp_path: Path
) -> None:
    build_marts(settings, generation=0)
    publish_marts(settings, run_id="run-0", outcomes={"economy": passed()}, quality_dir=None)

    def publish_generation(generation: int) -> Publication:
        build_marts(settings, generation=generation)
        return publish_marts(settings, run_id=f"run-{generation}", outcomes={"economy": passed()}, quality_dir=None)

    seen = publish_while_reading(READER, settings.publish_dir, tmp_path, publish_generation, range(1, 13))
    assert len({read["duckdb"] for read in seen}) >= 12
