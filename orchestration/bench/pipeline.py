"""Runs the whole pipeline as `omsorgslager run` does, in a child process, and times its stages.

Per-stage numbers come from the run itself: Dagster records when every step
started and ended, and dagster-dbt leaves dbt's run_results.json (per-model
timings) in a target folder named after the run. Timing the stages as
separate processes instead would charge every stage its own interpreter start
and dbt parse, which `omsorgslager run` pays once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.bench.monitor import MemoryTrace, TreeMemorySampler
from orchestration.settings import DBT_PROJECT_DIR

# prepare: `dbt parse` and the Dagster instance (`omsorgslager prepare`); start: loading the code
# location and launching the run; report: the run summary and every municipality's HTML report,
# with which `omsorgslager run` ends, until the process has exited.
STAGE_ORDER = ("prepare", "start", "ingest", "dbt build", "checks", "publish", "report")
# `omsorgslager run` prints this once prepare is done (orchestration/cli.py).
PREPARED_MARKER = "Kör hela kedjan"
DAGSTER_STAGES = ("ingest", "dbt build", "checks", "publish")


@dataclass(frozen=True)
class Workspace:
    """Where one benchmark scale keeps its files; the pipeline sees only these paths."""

    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def reports(self) -> Path:
        from orchestration.reports.build import default_out_dir

        return default_out_dir(self.published)

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            LANDING_DIR=str(self.landing),
            DUCKDB_PATH=str(self.warehouse),
            PUBLISH_DIR=str(self.published),
            DAGSTER_HOME=str(self.dagster_home),
            # Synthetic data: the demo key is harmless and keeps the benchmark free of secrets.
            DEMO_MODE="1",
            # dagster-dbt looks dbt up on PATH; use the one beside this interpreter.
            PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        )
        env.pop("PSEUDONYM_KEY", None)
        return env


@dataclass
class StageTiming:
    name: str
    seconds: float
    peak_rss: int
    steps: int = 0


@dataclass
class PipelineRun:
    label: str
    success: bool
    wall_seconds: float
    peak_rss: int
    stages: list[StageTiming]
    failed_steps: list[str] = field(default_factory=list)
    slowest_dbt_nodes: list[tuple[str, float]] = field(default_factory=list)
    log_path: Path | None = None

    def stage(self, name: str) -> StageTiming | None:
        return next((stage for stage in self.stages if stage.name == name), None)


def stage_of_step(step_key: str) -> str:
    """Which stage a Dagster step belongs to (ingest assets are `raw__*`/`raw_kolada`)."""
    if step_key.startswith("raw"):
        return "ingest"
    if step_key.startswith("dbt"):
        return "dbt build"
    if step_key.startswith("published"):
        return "publish"
    return "checks"


@dataclass
class ChildRun:
    returncode: int
    started: float
    ended: float
    trace: MemoryTrace
    log_path: Path
    # When each marker line first appeared in the output (wall clock), to split stages Dagster does not time.
    marks: dict[str, float] = field(default_factory=dict)


def _run_child(command: list[str], workspace: Workspace, log_name: str, markers: Sequence[str] = ()) -> ChildRun:
    workspace.logs.mkdir(parents=True, exist_ok=True)
    log_path = workspace.logs / f"{log_name}.log"
    marks: dict[str, float] = {}
    with log_path.open("w", encoding="utf-8") as log:
        started = time.time()
        process = subprocess.Popen(
            command, cwd=workspace.root, env=workspace.environment(), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace",
        )  # fmt: skip
        with TreeMemorySampler(process.pid) as trace:
            assert process.stdout is not None
            for line in process.stdout:
                log.write(line)
                for marker in markers:
                    if marker not in marks and line.startswith(marker):
                        marks[marker] = time.time()
            returncode = process.wait()
        ended = time.time()
    return ChildRun(returncode, started, ended, trace, log_path, marks)


def _step_windows(dagster_home: Path) -> tuple[str, list[tuple[str, float, float, str]]]:
    """(run id, [(step key, start, end, status)]) of the newest run in this DAGSTER_HOME."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            raise RuntimeError(f"Ingen Dagster-körning hittades i {dagster_home}.")
        run_id = runs[0].run_id
        stats = instance.get_run_step_stats(run_id)
    windows = [
        (stat.step_key, stat.start_time, stat.end_time, stat.status.value if stat.status else "UNKNOWN")
        for stat in stats
        if stat.start_time is not None and stat.end_time is not None
    ]
    return run_id, sorted(windows, key=lambda window: window[1])


def slowest_dbt_nodes(run_id: str, limit: int = 8) -> list[tuple[str, float]]:
    """The slowest dbt nodes of this run's `dbt build`, from run_results.json."""
    candidates = sorted((DBT_PROJECT_DIR / "target").glob(f"*-{run_id[:7]}-*/run_results.json"))
    if not candidates:
        return []
    results = json.loads(candidates[-1].read_text(encoding="utf-8"))["results"]
    timings = [(result["unique_id"].split(".", 2)[-1], float(result.get("execution_time") or 0.0)) for result in results]
    return sorted(timings, key=lambda item: -item[1])[:limit]


def _reports_written_since(workspace: Workspace, moment: float) -> int:
    from orchestration.reports.build import default_out_dir

    return sum(1 for path in default_out_dir(workspace.published).glob("*.html") if path.stat().st_mtime >= moment)


def run_pipeline(workspace: Workspace, label: str) -> PipelineRun:
    """`omsorgslager run` on the workspace, with per-stage wall time and peak memory."""
    command = [sys.executable, "-m", "orchestration.cli", "run"]
    child = _run_child(command, workspace, label, markers=(PREPARED_MARKER,))
    run_id, windows = _step_windows(workspace.dagster_home)
    trace = child.trace
    first_step = min((start for _, start, _, _ in windows), default=child.ended)
    prepared = min(child.marks.get(PREPARED_MARKER, child.started), first_step)
    stages = [
        StageTiming("prepare", prepared - child.started, trace.peak_between(child.started, prepared)),
        StageTiming("start", first_step - prepared, trace.peak_between(prepared, first_step)),
    ]
    for name in DAGSTER_STAGES:
        mine = [window for window in windows if stage_of_step(window[0]) == name]
        if not mine:
            continue
        # Steps run one after another (one pool slot), so summing durations is the stage's wall time.
        seconds = sum(end - start for _, start, end, _ in mine)
        peak = max(trace.peak_between(start, end) for _, start, end, _ in mine)
        stages.append(StageTiming(name, seconds, peak, steps=len(mine)))
    last_step = max((end for _, _, end, _ in windows), default=child.ended)
    reports = _reports_written_since(workspace, last_step)
    stages.append(StageTiming("report", child.ended - last_step, trace.peak_between(last_step, child.ended), steps=reports))
    return PipelineRun(
        label=label,
        success=child.returncode == 0,
        wall_seconds=child.ended - child.started,
        peak_rss=trace.peak,
        stages=stages,
        failed_steps=[key for key, _, _, status in windows if status != "SUCCESS"],
        slowest_dbt_nodes=slowest_dbt_nodes(run_id),
        log_path=child.log_path,
    )
