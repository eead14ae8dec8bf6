"""`make bench`: the whole pipeline at chosen scales, against the machine's floor and the targets."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from orchestration.bench.deliveries import write_monthly_snapshots, write_next_month
from orchestration.bench.floor import FloorResult, measure_floor
from orchestration.bench.pipeline import PipelineRun, Workspace, run_pipeline
from orchestration.bench.storage import SnapshotStorage, measure_snapshot_storage
from orchestration.settings import PROJECT_ROOT

DEFAULT_YEARS = (2023, 2024, 2025)
SEED = 20250101
QUICK_SCALE = 2
QUICK_YEARS = (2025,)
# One new month is run this many times from the same warehouse and the median run is reported: on
# the shared 2-core machine one run of the same code took anywhere from 66 to 81 s.
INCREMENTAL_RUNS = 3


@dataclass
class ScaleResult:
    municipalities: int
    years: tuple[int, ...]
    generate_seconds: float
    floor: FloorResult
    full: PipelineRun
    warehouse_bytes: int
    published_bytes: int
    incremental: PipelineRun | None = None  # the median of the incremental runs
    incremental_period: str | None = None
    incremental_seconds: list[float] = field(default_factory=list)  # every incremental run, in order
    snapshot_storage: SnapshotStorage | None = None

    @property
    def end_to_end_seconds(self) -> float:
        return self.full.wall_seconds

    @property
    def peak_rss(self) -> int:
        return self.full.peak_rss


@dataclass
class Machine:
    cores: int
    logical_cpus: int
    memory_bytes: int
    platform: str
    python: str
    load_average: tuple[float, float, float] = field(default=(0.0, 0.0, 0.0))


def machine() -> Machine:
    return Machine(
        cores=psutil.cpu_count(logical=False) or psutil.cpu_count() or 0,
        logical_cpus=psutil.cpu_count() or 0,
        memory_bytes=psutil.virtual_memory().total,
        platform=platform.platform(),
        python=platform.python_version(),
        load_average=tuple(round(value, 2) for value in os.getloadavg()),
    )


def _directory_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    # The published folder keeps older versions and a `current` link; count only what `current` points to.
    current = path / "current"
    root = current.resolve() if current.exists() else path
    return sum(item.stat().st_size for item in root.rglob("*") if item.is_file())


def _generate(landing: Path, municipalities: int, years: tuple[int, ...], progress) -> float:
    """Generate the exports unless this exact data set is already there (generation is not benchmarked)."""
    from orchestration.sampledata.generate import generate_scaled

    marker = landing / ".bench-dataset.json"
    wanted = {"municipalities": municipalities, "years": list(years), "seed": SEED}
    if marker.exists() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        progress(f"  data for {municipalities} municipalities already generated in {landing}")
        return 0.0
    if landing.exists():
        shutil.rmtree(landing)
    progress(f"  generating {municipalities} municipalities × {len(years)} years into {landing} …")
    started = time.perf_counter()
    generate_scaled(landing, municipalities, years, SEED)
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps(wanted), encoding="utf-8")
    return seconds


def _fresh_warehouse(workspace: Workspace) -> None:
    # Reports too: they are skipped when their inputs did not change, and a full run must write them all.
    for path in (workspace.published, workspace.reports, workspace.dagster_home, workspace.logs):
        shutil.rmtree(path, ignore_errors=True)
    for path in workspace.root.glob("warehouse.duckdb*"):
        path.unlink()
    shutil.rmtree(workspace.root / "incoming", ignore_errors=True)


# What a run changes in a workspace; the landing folder only gains files, which later runs skip.
RUN_STATE = ("warehouse.duckdb", "warehouse.duckdb.wal", "published", "reports", "dagster_home")


def _copy_run_state(source: Path, target: Path) -> None:
    """Make `target` hold the run state `source` holds: each entry replaced, or removed where `source` has none."""
    target.mkdir(parents=True, exist_ok=True)
    for name in RUN_STATE:
        if (target / name).is_dir() and not (target / name).is_symlink():
            shutil.rmtree(target / name)
        elif (target / name).exists():
            (target / name).unlink()
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, symlinks=True)
        elif (source / name).exists():
            shutil.copy2(source / name, target / name)


def _describe(run: PipelineRun) -> str:
    stages = ", ".join(f"{stage.name} {stage.seconds:.1f} s" for stage in run.stages)
    state = "ok" if run.success else f"FAILED ({', '.join(run.failed_steps) or 'see log'})"
    return f"{run.wall_seconds:.1f} s [{stages}] peak {run.peak_rss / 2**30:.2f} GiB — {state}"


def bench_scale(
    work: Path,
    municipalities: int,
    years: tuple[int, ...],
    *,
    incremental: bool,
    snapshots: bool,
    incremental_runs: int = INCREMENTAL_RUNS,
    progress=print,
) -> ScaleResult:
    workspace = Workspace(work / f"scale-{municipalities}")
    workspace.root.mkdir(parents=True, exist_ok=True)
    generate_seconds = _generate(workspace.landing, municipalities, years, progress)
    # The data set may have had increments added by an earlier benchmark; start from generated files only.
    for path in workspace.landing.glob("*_bench_*.csv"):
        path.unlink()
    _fresh_warehouse(workspace)

    progress("  floor: DuckDB reads every delivered file once …")
    floor = measure_floor(workspace.landing)
    progress(f"  floor: {floor.seconds:.1f} s for {floor.rows:,} rows in {floor.files} files")
    progress("  full run (omsorgslager run on an empty warehouse) …")
    full = run_pipeline(workspace, "full")
    progress(f"  full run: {_describe(full)}")
    result = ScaleResult(
        municipalities=municipalities,
        years=years,
        generate_seconds=generate_seconds,
        floor=floor,
        full=full,
        warehouse_bytes=_directory_bytes(workspace.warehouse),
        published_bytes=_directory_bytes(workspace.published) if workspace.published.exists() else 0,
    )
    if incremental and full.success:
        period, files = write_next_month(workspace.landing, workspace.root / "incoming")
        for path in files:
            # `_bench_` marks derived files so the next benchmark removes them from the landing folder.
            shutil.move(path, workspace.landing / path.name.replace("_riket_", "_bench_"))
        progress(f"  incremental run: {len(files)} files for {period} added …")
        saved = workspace.root / "before-month"
        if incremental_runs > 1:
            _copy_run_state(workspace.root, saved)
        runs = []
        for number in range(1, incremental_runs + 1):
            if number > 1:
                _copy_run_state(saved, workspace.root)
            runs.append(run_pipeline(workspace, f"incremental-{number}"))
            progress(f"  incremental run {number} of {incremental_runs}: {_describe(runs[-1])}")
        shutil.rmtree(saved, ignore_errors=True)
        result.incremental = sorted(runs, key=lambda run: run.wall_seconds)[(len(runs) - 1) // 2]
        result.incremental_seconds = [run.wall_seconds for run in runs]
        result.incremental_period = period
    if snapshots:
        progress("  a year of monthly avvikelser snapshots …")
        monthly = write_monthly_snapshots(workspace.landing, workspace.root / "snapshots")
        result.snapshot_storage = measure_snapshot_storage(monthly, workspace.root / "snapshots")
        shutil.rmtree(workspace.root / "snapshots", ignore_errors=True)
        storage = result.snapshot_storage
        progress(
            f"  snapshots: {storage.snapshots} cost {storage.ratio:.2f}× one snapshot "
            f"(raw schema alone {storage.raw_ratio:.2f}×)"
        )
    return result


def scaling_exponent(results: Sequence[ScaleResult]) -> float | None:
    """Slope of log(time) over log(municipalities): 1 is linear, below 1 means fixed costs still dominate."""
    points = [(math.log(result.municipalities), math.log(result.end_to_end_seconds)) for result in results if result.full.success]
    if len({x for x, _ in points}) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sum((x - mean_x) ** 2 for x, _ in points)


def _parse_list(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    from orchestration.bench.report import write_results

    parser = argparse.ArgumentParser(prog="omsorgslager bench", description=__doc__)
    parser.add_argument("--scale", default="10", help="municipalities, a comma list runs several scales (10,50,290)")
    parser.add_argument("--years", default=",".join(map(str, DEFAULT_YEARS)), help="years, comma list")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs" / "benchmarks.md", help="Markdown results")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "data" / "bench", help="generated data and warehouses")
    parser.add_argument("--quick", action="store_true", help=f"tiny run for CI ({QUICK_SCALE} municipalities, one year)")
    args = parser.parse_args(argv)

    scales = [QUICK_SCALE] if args.quick else _parse_list(args.scale)
    years = QUICK_YEARS if args.quick else tuple(_parse_list(args.years))
    if not scales or not years or min(scales) < 1:
        parser.error("--scale and --years need at least one positive value each")
    work = args.work.resolve()
    results: list[ScaleResult] = []
    for index, municipalities in enumerate(sorted(set(scales))):
        print(f"Scale {municipalities} municipalities × {len(years)} years", flush=True)
        largest = index == len(set(scales)) - 1
        results.append(
            bench_scale(
                work,
                municipalities,
                years,
                incremental=largest,
                snapshots=largest,
                # Two in CI, so that restoring the state between runs is exercised too.
                incremental_runs=2 if args.quick else INCREMENTAL_RUNS,
                progress=lambda message: print(message, flush=True),
            )
        )
        (work / "results.json").write_text(
            json.dumps([asdict(result) for result in results], default=str, indent=2), encoding="utf-8"
        )
    write_results(results, machine(), args.out.resolve(), quick=args.quick)
    print(f"Results: {args.out}", flush=True)
    return 0 if all(result.full.success for result in results) else 1

