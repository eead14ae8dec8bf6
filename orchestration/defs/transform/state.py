"""When an incremental dbt build is safe, and when the project changed under it.

Incremental models recompute only what newer loads touched (dbt_project/macros/load_partitions.sql).
That is right only while the SQL, seeds, macros and configuration that built the rest are the
ones in force, so the warehouse records a fingerprint of the project after each successful build,
and a build under a different fingerprint rebuilds everything with --full-refresh.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from orchestration.settings import Settings
from orchestration.warehouse import transaction, warehouse_connection

STATE_SCHEMA = "transform_state"
FINGERPRINT_TABLE = f"{STATE_SCHEMA}.project_fingerprint"
# Node kinds whose content decides what the tables hold; data tests only read them.
BUILT_RESOURCE_TYPES = ("model", "seed", "snapshot")


def project_fingerprint(manifest_path: Path) -> str:
    """Hash of every built node's file checksum and configuration, the project's macros and the dbt version."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    project = manifest["metadata"].get("project_name")
    parts: list[object] = [manifest["metadata"].get("dbt_version")]
    for unique_id, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] in BUILT_RESOURCE_TYPES:
            parts.append([unique_id, node["checksum"]["checksum"], node.get("config")])
    for unique_id, macro in sorted(manifest["macros"].items()):
        if macro.get("package_name") == project:
            parts.append([unique_id, macro["macro_sql"]])
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def stored_fingerprint(settings: Settings) -> str | None:
    with warehouse_connection(settings) as connection:
        exists = connection.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [STATE_SCHEMA, FINGERPRINT_TABLE.split(".")[1]],
        ).fetchone()[0]
        if not exists:
            return None
        row = connection.execute(f"select fingerprint from {FINGERPRINT_TABLE}").fetchone()
        return row[0] if row else None


def store_fingerprint(settings: Settings, fingerprint: str) -> None:
    with warehouse_connection(settings) as connection:
        connection.execute(f"create schema if not exists {STATE_SCHEMA}")
        connection.execute(
            f"create table if not exists {FINGERPRINT_TABLE} (fingerprint varchar not null, built_at timestamp not null)"
        )
        with transaction(connection):
            connection.execute(f"delete from {FINGERPRINT_TABLE}")
            connection.execute(f"insert into {FINGERPRINT_TABLE} values (?, current_timestamp)", [fingerprint])


def build_args(settings: Settings, fingerprint: str) -> list[str]:
    """`dbt build` for production: incremental unless the project changed since the last full build.

    Unit tests check the SQL logic, not the data; they run in CI (tests/test_dbt_truth.py's sample
    build), and dbt recommends leaving them out of production builds.
    """
    args = ["build", "--exclude-resource-type", "unit_test"]
    if stored_fingerprint(settings) != fingerprint:
        args.append("--full-refresh")
    else:
        # The seeds are in the fingerprint, so the reference tables still hold what the full build
        # loaded: neither they nor the tests on them alone run again. "cautious" keeps the tests
        # with another parent as well, such as dim_unit's areas against the areas seed.
        args += ["--exclude", "resource_type:seed", "--indirect-selection", "cautious"]
    return args
