"""The dbt project and the dbt CLI resource, importable before a manifest exists (to make one)."""

import sys
from collections.abc import Sequence
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class ProjectDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two preparations this project has no use for.

    Before every dbt command dagster-dbt runs `dbt --version` in a subprocess and loads a dbt-core
    adapter with its macros into this process: together about 3 s per command here (5 s under
    load), paid by `prepare` and by every transform step. The adapter serves only
    `fetch_row_counts()` and `fetch_column_metadata()`, which this project does not call (the GX
    suites count rows), and the dbt beside this interpreter is the installed dbt-core, whose
    version the package metadata gives at once.
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_resource() -> DbtCliResource:
    # The dbt installed beside this interpreter, so a venv works without being activated.
    return ProjectDbtCliResource(project_dir=dbt_project, dbt_executable=str(Path(sys.executable).with_name("dbt")))
