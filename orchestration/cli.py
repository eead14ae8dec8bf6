"""`omsorgslager` command line: the entry points behind the Makefile targets."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from orchestration.files import write_text_atomically
from orchestration.settings import ConfigurationError, Settings, load_settings

DAGSTER_YAML_HEADER = "# Written by `omsorgslager prepare`."
DAGSTER_YAML = """\
{header} Every step that touches the warehouse is in
# pool "duckdb"; one slot means runs never write to the file at the same time. The run
# history is Dagster's SQLite event log without a disk flush per event (orchestration/instance.py).
concurrency:
  pools:
    default_limit: 1
event_log_storage:
  module: orchestration.instance
  class: RunHistoryEventLogStorage
  config:
    base_dir: {event_log_dir}
telemetry:
  enabled: false
"""


def prepare(settings: Settings) -> None:
    """Make the dbt manifest and the Dagster instance ready; safe to repeat."""
    os.environ["DUCKDB_PATH"] = str(settings.duckdb_path)
    settings.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    dagster_home = Path(os.environ.setdefault("DAGSTER_HOME", str(settings.duckdb_path.parent / "dagster_home")))
    dagster_home.mkdir(parents=True, exist_ok=True)
    write_dagster_yaml(dagster_home)
    from orchestration.defs.transform.project import dbt_project, dbt_resource

    stamp = dbt_project.manifest_path.with_name("manifest.sources")
    sources = dbt_sources_digest(dbt_project.project_dir)
    if dbt_project.manifest_path.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == sources:
        print("dbt-projektet är oförändrat sedan senaste dbt parse.", flush=True)
        return
    print("Förbereder dbt-projektet (dbt parse) …", flush=True)
    dbt_resource().cli(["parse", "--quiet"], target_path=Path("target")).wait()
    write_text_atomically(stamp, sources)


def write_dagster_yaml(dagster_home: Path) -> None:
    """The instance configuration, unless somebody wrote their own (it lacks our header line)."""
    config = dagster_home / "dagster.yaml"
    # Dagster's own default place for the event log, so the history of earlier runs stays readable.
    text = DAGSTER_YAML.format(header=DAGSTER_YAML_HEADER, event_log_dir=dagster_home.resolve() / "history" / "runs")
    if config.exists():
        current = config.read_text(encoding="utf-8")
        if current == text or not current.startswith(DAGSTER_YAML_HEADER):
            return
    write_text_atomically(config, text)


# dbt's own output and installed packages; everything else in the project folder can change the manifest.
DBT_OUTPUT_DIRS = {"target", "logs", "dbt_packages"}


def dbt_sources_digest(project_dir: Path) -> str:
    """Digest of what `dbt parse` reads: every project file, the dbt version and the env_var values used.

    An unchanged digest means the manifest on disk is the one a parse would write, so the
    seconds dbt needs to start and parse are spent only when something changed.
    """
    from importlib.metadata import version

    digest = hashlib.sha256(version("dbt-core").encode())
    referenced: set[str] = set()
    for path in sorted(_dbt_source_files(project_dir)):
        relative = path.relative_to(project_dir)
        content = path.read_bytes()
        digest.update(str(relative).encode() + b"\0" + hashlib.sha256(content).digest())
        referenced.update(re.findall(rb"env_var\(\s*['\"]([A-Za-z_][A-Za-z0-9_]*)", content))
    for name in sorted(referenced):
        digest.update(name + b"=" + os.environ.get(name.decode(), "").encode() + b"\0")
    return digest.hexdigest()


def _dbt_source_files(project_dir: Path) -> list[Path]:
    # dbt's output folders are left unwalked: target/ gains a folder of compiled SQL with every run.
    files = []
    for directory, subdirectories, names in os.walk(project_dir):
        if Path(directory) == project_dir:
            subdirectories[:] = [name for name in subdirectories if name not in DBT_OUTPUT_DIRS]
        files += [Path(directory) / name for name in names if name != ".user.yml"]
    return files


def run_pipeline(settings: Settings) -> int:
    import dagster as dg

    from orchestration.definitions import FULL_PIPELINE_JOB, defs
    from orchestration.summary import print_run_summary

    prepare(settings)
    started_at = dt.datetime.now()
    print(f"Kör hela kedjan på {settings.landing_dir} → {settings.duckdb_path}", flush=True)
    job = defs().resolve_job_def(FULL_PIPELINE_JOB)
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        )
    print_run_summary(settings, result, started_at)
    if not result.success:
        return 1
    from orchestration.reports.build import main as report_main

    # Reports are built from the published copy only, so they exist only after a passing run.
    return report_main([]) or 0


PASS_THROUGH = {
    "generate-sample": ("orchestration.sampledata.generate", "regenerate the shipped sample or a scaled data set"),
    "fetch-kolada": ("orchestration.defs.ingest.kolada_client", "download Kolada pages into LANDING_DIR/kolada"),
    "whatif": ("orchestration.whatif", "recompute an RKA index with one changed component value"),
    "report": ("orchestration.reports.build", "write the board's key-figure report (HTML) from the published marts"),
    "dbt-docs": ("orchestration.dbt_docs", "generate the dbt docs as one offline HTML page"),
    "bench": ("orchestration.bench", "benchmark the pipeline at a chosen scale against the machine's floor"),
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in PASS_THROUGH:
        # These commands own their options; hand them everything after the command name.
        module = importlib.import_module(PASS_THROUGH[argv[0]][0])
        return module.main(argv[1:]) or 0

    parser = argparse.ArgumentParser(prog="omsorgslager", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="load LANDING_DIR, build the marts, check, publish")
    commands.add_parser("prepare", help="parse the dbt project and set up DAGSTER_HOME")
    for name, (_module, help_text) in PASS_THROUGH.items():
        commands.add_parser(name, help=f"{help_text} (options: omsorgslager {name} --help)")
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
        if args.command == "prepare":
            prepare(settings)
            return 0
        return run_pipeline(settings)
    except ConfigurationError as error:
        print(f"Fel i konfigurationen: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
