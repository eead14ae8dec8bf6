"""`omsorgslager prepare` parses the dbt project only when something dbt reads has changed."""

import shutil

from orchestration.cli import dbt_sources_digest
from orchestration.settings import DBT_PROJECT_DIR


def _project_copy(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return project


def test_digest_ignores_dbt_output_but_not_sources_or_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    project = _project_copy(tmp_path)
    before = dbt_sources_digest(project)

    (project / "target").mkdir()
    (project / "target" / "manifest.json").write_text("{}", encoding="utf-8")
    (project / "logs").mkdir()
    (project / "logs" / "dbt.log").write_text("log", encoding="utf-8")
    assert dbt_sources_digest(project) == before

    model = next((project / "models" / "marts").rglob("fct_*.sql"))
    model.write_text(model.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    changed_model = dbt_sources_digest(project)
    assert changed_model != before

    # profiles.yml reads DUCKDB_PATH; the manifest names the database after the file.
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "other.duckdb"))
    assert dbt_sources_digest(project) != changed_model
