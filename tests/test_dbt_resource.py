"""The transform step's dbt: dagster-dbt's resource minus what runs for nothing, and its output folders pruned."""

from __future__ import annotations

import os
from importlib.metadata import version

import dagster_dbt.core.resource

from orchestration.defs.transform.assets import prune_run_folders
from orchestration.defs.transform.project import dbt_resource


def test_dbt_commands_skip_the_version_probe_and_the_in_process_adapter(monkeypatch) -> None:
    """dbt runs as before (the sample pipeline tests cover that); only dagster-dbt's `dbt --version`
    subprocess and its in-process adapter are left out."""
    resource = dbt_resource()
    started = []
    # dagster-dbt calls the check_output it imported, so that is the name to watch.
    monkeypatch.setattr(dagster_dbt.core.resource, "check_output", lambda *args, **kwargs: started.append(args) or b"")
    assert str(resource._cli_version) == version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None
    assert not started


def test_only_the_newest_dbt_run_folders_are_kept(tmp_path) -> None:
    target = tmp_path / "target"
    folders = []
    for number in range(14):
        folder = target / f"dbt_models-{number:07x}-abcdef{number % 10}"
        (folder / "compiled").mkdir(parents=True)
        (folder / "run_results.json").write_text("{}", encoding="utf-8")
        os.utime(folder, ns=(number * 10**9, number * 10**9))
        folders.append(folder)
    other = target / "other_op-1234567-89abcde"
    other.mkdir()
    (target / "manifest.json").write_text("{}", encoding="utf-8")

    prune_run_folders(folders[-1], keep=10)

    assert sorted(path.name for path in target.iterdir() if path.name.startswith("dbt_models-")) == sorted(
        folder.name for folder in folders[4:]
    )
    assert other.is_dir() and (target / "manifest.json").is_file()
