"""The dbt resource of the transform step: dagster-dbt's, minus what runs before every command for nothing."""

from __future__ import annotations

import subprocess
from importlib.metadata import version

from orchestration.defs.transform.project import dbt_resource


def test_dbt_commands_skip_the_version_probe_and_the_in_process_adapter(monkeypatch) -> None:
    """dbt runs as before (the sample pipeline tests cover that); only dagster-dbt's `dbt --version`
    subprocess and its in-process adapter are left out."""
    resource = dbt_resource()
    started = []
    monkeypatch.setattr(subprocess, "check_output", lambda *args, **kwargs: started.append(args) or b"")
    assert str(resource._cli_version) == version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None
    assert not started
