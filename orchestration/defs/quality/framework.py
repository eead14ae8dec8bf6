"""Running a mart's GX Core suite on DataFrames read from the warehouse.

A mart suite (one per mart: personnel, economy, …) is a set of `FrameCheck`s:
a pandas DataFrame read from DuckDB plus the GX expectations it must meet. Most
frames are the mart tables themselves; the rest are comparison frames built in
SQL against the raw tables of the same run (ledger totals, coverage,
freshness), because a GX expectation sees one DataFrame at a time. Parameters
that depend on the delivery (row-count bounds) are computed from DuckDB in the
same run (kept between runs per partition and recounted where a newer load
touched it, see `batches.RawCounts`) and passed as GX expectation parameters
(`{"$PARAMETER": name}`).

The large mart frames are `MunicipalityBatches` (see `batches.py`): read and
validated a few municipalities at a time, only the columns the expectations
name, and a municipality whose rows and expectations are unchanged since it
last passed is carried over instead of validated again. The results of a
frame's batches are merged into one failure per expectation. Because batches
are read while they are validated, the read-only warehouse lock is held for the
whole suite. A frame read whole is carried over the same way when its rows, in
any order, and its expectations and parameters are the ones that last passed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import math
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import great_expectations as gx
import pandas as pd
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from orchestration.defs.quality import batches
from orchestration.defs.quality.overview import write_overview
from orchestration.files import point_link_at, write_text_atomically
from orchestration.settings import Settings
from orchestration.warehouse import warehouse_connection

# Columns that identify or describe a person. They are never read into a frame,
# so neither the check metadata nor the Data Docs can show them.
PERSONAL_COLUMNS = frozenset({"person_hash", "personnummer", "beskrivning", "description_text"})

EXAMPLES_PER_FAILURE = 5
# The one "partition" of a frame read whole; its digest covers the expectations as well.
WHOLE_FRAME = "*"
EXAMPLES_IN_MESSAGE = 3
DATA_DOCS_SITE = "omsorgslager"
RESULT_FORMAT: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
SUMMARY_FILE_SUFFIX = ".summary.json"
VALIDATION_RUNS_KEPT = 30


@dataclass(frozen=True)
class FrameCheck:
    """One DataFrame and the expectations it must meet.

    `mart` is the mart table the result is reported against (the Dagster asset
    the check guards); `key_columns` are what a failure shows as examples, so
    they must identify a row without personal data.
    """

    name: str
    mart: str
    frame: pd.DataFrame | batches.MunicipalityBatches
    key_columns: tuple[str, ...]
    expectations: Sequence[gx.expectations.Expectation]
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MartSuite:
    name: str  # e.g. "economy"; also the GX suite prefix and the check name suffix
    title: str  # Swedish, for people
    marts: tuple[str, ...]  # mart tables (Dagster asset keys) this suite guards
    # Given the suite's store of passes when there is one, to keep raw counts between runs.
    build: Callable[[duckdb.DuckDBPyConnection, batches.PassedBatches | None], list[FrameCheck]]

    @property
    def check_name(self) -> str:
        return f"gx_{self.name}_suite"


@dataclass(frozen=True)
class FailedExpectation:
    mart: str
    frame: str
    expectation: str  # the stable id from the expectation's meta
    expectation_type: str
    description: str
    unexpected_count: int | None
    example_keys: list[dict[str, Any]]
    observed: str | None
    blocking: bool = True  # False: reported as a warning, publishing goes ahead

    def sentence(self) -> str:
        detail = None
        if self.unexpected_count:
            detail = f"{self.unexpected_count} avvikande {'rad' if self.unexpected_count == 1 else 'rader'}"
        if self.observed is not None:
            detail = f"observerat {self.observed}"
        examples = "; ".join(
            ", ".join(f"{key}={value}" for key, value in example.items())
            for example in self.example_keys[:EXAMPLES_IN_MESSAGE]
        )
        text = f"{self.mart}: {self.expectation} ({self.description})"
        if detail:
            text += f" – {detail}"
        if examples:
            text += f", t.ex. {examples}"
        return text


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    title: str
    validated_at: str
    expectations_by_mart: dict[str, int]
    rows_by_frame: dict[str, int]
    failures: list[FailedExpectation]
    data_docs_index: str
    # Rows of unchanged municipalities whose earlier pass was kept instead of validating them again.
    rows_carried_over_by_frame: dict[str, int] = field(default_factory=dict)

    @property
    def blocking_failures(self) -> list[FailedExpectation]:
        return [failure for failure in self.failures if failure.blocking]

    @property
    def warnings(self) -> list[FailedExpectation]:
        return [failure for failure in self.failures if not failure.blocking]

    @property
    def success(self) -> bool:
        return not self.blocking_failures

    def failures_for(self, mart: str) -> list[FailedExpectation]:
        return [failure for failure in self.blocking_failures if failure.mart == mart]

    def warnings_for(self, mart: str) -> list[FailedExpectation]:
        return [failure for failure in self.warnings if failure.mart == mart]

    def message(self) -> str:
        if self.success:
            lines = [f"Kvalitetskontrollen {self.suite} ({self.title}) godkände alla blockerande förväntningar."]
        else:
            count = len(self.blocking_failures)
            lines = [
                f"Kvalitetskontrollen {self.suite} ({self.title}) underkände "
                f"{count} {'förväntning' if count == 1 else 'förväntningar'}:"
            ]
            lines += [f"  - {failure.sentence()}" for failure in self.blocking_failures]
        if self.warnings:
            lines.append(f"Varningar ({len(self.warnings)}), som inte stoppar publiceringen:")
            lines += [f"  - {failure.sentence()}" for failure in self.warnings]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "title": self.title,
            "success": self.success,
            "validated_at": self.validated_at,
            "expectations_by_mart": self.expectations_by_mart,
            "rows_by_frame": self.rows_by_frame,
            "failures": [failure.__dict__ for failure in self.failures],
            "data_docs_index": self.data_docs_index,
            "rows_carried_over_by_frame": self.rows_carried_over_by_frame,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SuiteOutcome:
        return cls(
            suite=data["suite"],
            title=data["title"],
            validated_at=data["validated_at"],
            expectations_by_mart=dict(data["expectations_by_mart"]),
            rows_by_frame=dict(data["rows_by_frame"]),
            failures=[FailedExpectation(**failure) for failure in data["failures"]],
            data_docs_index=data["data_docs_index"],
            rows_carried_over_by_frame=dict(data.get("rows_carried_over_by_frame", {})),
        )


def expectation(
    kind: type[gx.expectations.Expectation],
    check_id: str,
    description: str,
    *,
    blocking: bool = True,
    **kwargs: Any,
) -> gx.expectations.Expectation:
    """An expectation with a stable id (shown in failures) and a Swedish description (shown in Data Docs).

    A non-blocking expectation reports a gap people should know about (e.g. reference
    data lagging behind a source) without stopping the publish step.
    """
    return kind(meta={"check_id": check_id, "blocking": blocking}, description=description, **kwargs)


def read_frame(connection: duckdb.DuckDBPyConnection, sql: str, parameters: Sequence[Any] = ()) -> pd.DataFrame:
    """Run a query into pandas, leaving personal columns out whatever the query selects."""
    frame = connection.execute(sql, list(parameters)).df()
    return frame.drop(columns=[column for column in frame.columns if column in PERSONAL_COLUMNS])


def scalar(connection: duckdb.DuckDBPyConnection, sql: str, parameters: Sequence[Any] = ()) -> Any:
    row = connection.execute(sql, list(parameters)).fetchone()
    return None if row is None else row[0]


def _context(docs_dir: Path) -> gx.data_context.EphemeralDataContext:
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        data_docs_sites={
            DATA_DOCS_SITE: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _plain(value: Any) -> Any:
    """JSON- and metadata-friendly scalars (numpy, Decimal, dates, NaN)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (int, float, str, bool)):
        return value
    return str(value)


def _exception_message(exception_info: Any) -> str | None:
    """GX reports an error either flat or per metric; either way, the first message."""
    if not exception_info:
        return None
    if "raised_exception" in exception_info:
        infos = [exception_info]
    else:
        infos = [info for info in exception_info.values() if isinstance(info, Mapping)]
    for info in infos:
        if info.get("raised_exception"):
            return str(info.get("exception_message") or "okänt fel")
    return None


def _example_keys(result: Mapping[str, Any], key_columns: tuple[str, ...]) -> list[dict[str, Any]]:
    examples: list[dict[str, Any]] = []
    for row in result.get("partial_unexpected_index_list") or []:
        if not isinstance(row, Mapping):
            continue
        example = {column: _plain(row.get(column)) for column in key_columns if column in row}
        if example and example not in examples:
            examples.append(example)
        if len(examples) == EXAMPLES_PER_FAILURE:
            break
    return examples


def _observed(result: Mapping[str, Any]) -> str | None:
    observed = result.get("observed_value")
    if observed is None:
        return None
    if isinstance(observed, (list, dict)):
        return json.dumps(observed, default=str, ensure_ascii=False)
    return str(observed)


def _columns_read(frame_check: FrameCheck, available: Sequence[str]) -> list[str]:
    """The columns the expectations and example keys name, in the query's order; personal columns never."""
    named = {batches.BATCH_COLUMN, *frame_check.key_columns}
    if isinstance(frame_check.frame, batches.MunicipalityBatches) and frame_check.frame.period_column:
        named.add(frame_check.frame.period_column)
    for item in frame_check.expectations:
        for attribute in ("column", "column_A", "column_B"):
            value = getattr(item, attribute, None)
            if isinstance(value, str):
                named.add(value)
        named.update(getattr(item, "column_list", None) or ())
    return [column for column in available if column in named and column not in PERSONAL_COLUMNS]


def _check_keys_hold_per_batch(frame_check: FrameCheck, source: batches.MunicipalityBatches) -> None:
    for item in frame_check.expectations:
        columns = getattr(item, "column_list", None) or [getattr(item, "column", None)]
        needed = {batches.BATCH_COLUMN, source.period_column} - {None}
        if "unique" in item.expectation_type and not needed <= set(columns):
            raise ValueError(
                f"{frame_check.name}: {item.expectation_type} on {columns} cannot be checked per municipality"
                + (f" and {source.period_column}" if source.period_column else "")
            )


@dataclass
class _MergedFailure:
    first: FailedExpectation
    unexpected_count: int | None
    example_keys: list[dict[str, Any]]
    observed: list[tuple[str | None, str]]


class _FrameFailures:
    """One failure per expectation of a frame, however many batches it failed in."""

    def __init__(self, frame_check: FrameCheck) -> None:
        self.frame_check = frame_check
        self._merged: dict[str, _MergedFailure] = {}

    def add(self, checkpoint_result: Any, label: str | None) -> bool:
        """Record a batch's failures; True when the batch had any (blocking or not)."""
        failed = False
        for validation_result in checkpoint_result.run_results.values():
            for result in validation_result.results:
                if result.success:
                    continue
                failed = True
                self._add(_failure(self.frame_check, result), label)
        return failed

    def _add(self, failure: FailedExpectation, label: str | None) -> None:
        merged = self._merged.get(failure.expectation)
        if merged is None:
            merged = self._merged[failure.expectation] = _MergedFailure(failure, None, [], [])
        if failure.unexpected_count is not None:
            merged.unexpected_count = (merged.unexpected_count or 0) + failure.unexpected_count
        for example in failure.example_keys:
            if len(merged.example_keys) < EXAMPLES_PER_FAILURE and example not in merged.example_keys:
                merged.example_keys.append(example)
        if failure.observed is not None:
            merged.observed.append((label, failure.observed))

    def failures(self) -> list[FailedExpectation]:
        return [
            dataclasses.replace(
                merged.first,
                unexpected_count=merged.unexpected_count,
                example_keys=merged.example_keys,
                observed=_merged_observed(merged.observed),
            )
            for merged in self._merged.values()
        ]


def _merged_observed(observed: list[tuple[str | None, str]]) -> str | None:
    """One value as GX gave it; per batch, labelled with its municipalities, when batches differ."""
    values = list(dict.fromkeys(value for _, value in observed))
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    shown = [f"{label}: {value}" if label else value for label, value in observed[:EXAMPLES_IN_MESSAGE]]
    if len(observed) > EXAMPLES_IN_MESSAGE:
        shown.append(f"och {len(observed) - EXAMPLES_IN_MESSAGE} till")
    return "; ".join(shown)


def _failure(frame_check: FrameCheck, result: Any) -> FailedExpectation:
    configuration = result.expectation_config
    meta = configuration.meta or {}
    details = result.result or {}
    error = _exception_message(result.exception_info)
    if error is not None:
        details = {"observed_value": error}
    return FailedExpectation(
        mart=frame_check.mart,
        frame=frame_check.name,
        expectation=meta.get("check_id", configuration.type),
        expectation_type=configuration.type,
        description=configuration.description or "",
        unexpected_count=_plain(details.get("unexpected_count")),
        example_keys=_example_keys(details, frame_check.key_columns),
        observed=_observed(details),
        # An expectation that could not be evaluated (a missing column) always blocks.
        blocking=bool(meta.get("blocking", True)) or error is not None,
    )


def _checkpoint(
    context: gx.data_context.AbstractDataContext, source: Any, suite: MartSuite, frame_check: FrameCheck
) -> gx.Checkpoint:
    """The frame's checkpoint in detail: what a failure and a Data Docs page show (counts,
    unexpected values and the example keys)."""
    batch_definition = source.add_dataframe_asset(frame_check.name).add_batch_definition_whole_dataframe(
        frame_check.name
    )
    name = f"{suite.name}.{frame_check.name}"
    # Given whole, the suite is stored once; added one by one, it was serialised again after each one.
    gx_suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=frame_check.expectations))
    if len(gx_suite.expectations) != len(frame_check.expectations):
        # GX's constructor logs and drops an expectation it cannot take instead of raising.
        raise ValueError(f"{name}: GX tog inte emot alla förväntningar")
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=gx_suite)
    )
    result_format = dict(RESULT_FORMAT)
    if frame_check.key_columns:
        result_format["unexpected_index_column_names"] = list(frame_check.key_columns)
    # Data Docs are rendered for chosen batches only (`_DocsPages`), not for every batch.
    return context.checkpoints.add(
        gx.Checkpoint(name=name, validation_definitions=[validation], actions=[], result_format=result_format)
    )


def _quick_checkpoint(context: gx.data_context.AbstractDataContext, detailed: gx.Checkpoint) -> gx.Checkpoint:
    """`detailed`'s validation, computing only whether each expectation holds (BOOLEAN_ONLY).

    On pandas, GX finds a failure's example keys by filtering the whole batch once or
    twice per column expectation, even when nothing is unexpected; that was about a
    third of GX's time on a national mart. So a batch is run quickly first and again
    in detail only when something in it failed. Added only for frames read in batches:
    every checkpoint added makes GX's context serialise its configuration again.
    """
    return context.checkpoints.add(
        gx.Checkpoint(
            name=f"{detailed.name}.quick",
            validation_definitions=detailed.validation_definitions,
            actions=[],
            result_format={"result_format": "BOOLEAN_ONLY"},
        )
    )


class _DocsPages:
    """The validation results to render as Data Docs pages, rendered together at the end of the suite.

    Each rendering rebuilds the site's index page, so one build for all pages costs
    one index instead of one per frame.
    """

    def __init__(self) -> None:
        self._identifiers: list[Any] = []

    def add(self, checkpoint_result: Any) -> None:
        for identifier, result in checkpoint_result.run_results.items():
            self._identifiers += [identifier, ExpectationSuiteIdentifier(name=result.suite_name)]

    def build(self, context: gx.data_context.AbstractDataContext) -> None:
        # Without a page (every frame carried over) the site still gets its (empty) index page.
        context.build_data_docs(site_names=[DATA_DOCS_SITE], resource_identifiers=self._identifiers or None)


@dataclass(frozen=True)
class _FrameRows:
    validated: int
    carried_over: int


def _validate_in_batches(
    detailed: gx.Checkpoint,
    quick: gx.Checkpoint,
    frame_check: FrameCheck,
    source: batches.MunicipalityBatches,
    failures: _FrameFailures,
    connection: duckdb.DuckDBPyConnection,
    passed: batches.PassedBatches | None,
    pages: _DocsPages,
) -> _FrameRows:
    _check_keys_hold_per_batch(frame_check, source)
    columns = _columns_read(frame_check, batches.query_columns(connection, source))
    compared = {
        column
        for item in frame_check.expectations
        for column in (getattr(item, "column_A", None), getattr(item, "column_B", None))
        if column is not None
    }
    prints = batches.fingerprints(connection, source, columns)
    per_batch = {name for counts in source.parameters_by_municipality.values() for name in counts}
    # Whole-mart totals of per-municipality parameters would make every change re-validate everything.
    shared = {name: value for name, value in frame_check.parameters.items() if name not in per_batch}
    definition = batches.definition_hash(
        source, columns, frame_check.expectations, shared, batches.fingerprint_inputs(connection, source)
    )
    previous = passed.passed(frame_check.name, definition) if passed is not None else {}
    still_passing = {
        municipality: digest for municipality, (_, digest) in prints.items() if previous.get(municipality) == digest
    }
    to_validate = {
        municipality: rows for municipality, (rows, _) in prints.items() if municipality not in still_passing
    }
    # An empty mart is still validated once, so its expectations report on it.
    planned = batches.plan_batches(to_validate, batches.ROW_BUDGET) or ([] if still_passing else [[]])
    validated = 0
    rendered = False
    for partitions, frame in batches.read_ahead(
        connection, source, columns, planned, to_validate, keep_as_strings=compared
    ):
        label = batches.batch_label(partitions)
        run = {
            "batch_parameters": {"dataframe": frame},
            "expectation_parameters": {**frame_check.parameters, **batches.batch_parameters(source, partitions)},
            "run_id": RunIdentifier(run_name=label),
        }
        # The frame's first batch is its Data Docs page, so it is run in detail.
        result = quick.run(**run) if rendered else None
        if result is None or not result.success:
            result = detailed.run(**run)
        validated += len(frame)
        del frame, run
        batch_failed = failures.add(result, label)
        # One page per frame for a clean run, plus one per failing batch.
        if not rendered or batch_failed:
            pages.add(result)
            rendered = True
        if not batch_failed:
            still_passing.update({partition: prints[partition][1] for partition in partitions})
    if passed is not None:
        passed.replace(frame_check.name, definition, still_passing)
    carried_over = sum(prints[municipality][0] for municipality in still_passing if municipality not in to_validate)
    return _FrameRows(validated=validated, carried_over=carried_over)


def _validate_whole(
    checkpoint: gx.Checkpoint,
    frame_check: FrameCheck,
    frame: pd.DataFrame,
    failures: _FrameFailures,
    passed: batches.PassedBatches | None,
    pages: _DocsPages,
) -> _FrameRows:
    """A frame read whole (a small comparison or a small mart): carried over when the same rows
    passed the same expectations before, as unchanged partitions of the batched frames are."""
    digest = batches.frame_digest(frame, frame_check.expectations, frame_check.parameters)
    if passed is not None and passed.passed(frame_check.name, WHOLE_FRAME).get(WHOLE_FRAME) == digest:
        passed.replace(frame_check.name, WHOLE_FRAME, {WHOLE_FRAME: digest})
        return _FrameRows(validated=0, carried_over=len(frame))
    result = checkpoint.run(batch_parameters={"dataframe": frame}, expectation_parameters=dict(frame_check.parameters))
    failed = failures.add(result, None)
    pages.add(result)
    if passed is not None:
        # A warning, too, is reported again until the frame is clean.
        passed.replace(frame_check.name, WHOLE_FRAME, {} if failed else {WHOLE_FRAME: digest})
    return _FrameRows(validated=len(frame), carried_over=0)


def validate_frames(
    suite: MartSuite,
    frames: Iterable[FrameCheck],
    docs_dir: Path,
    *,
    connection: duckdb.DuckDBPyConnection | None = None,
    passed: batches.PassedBatches | None = None,
) -> SuiteOutcome:
    """Validate every frame in one ephemeral GX context and render its Data Docs into `docs_dir`.

    Frames given as `MunicipalityBatches` are read through `connection` batch by
    batch; with `passed`, unchanged municipalities that passed before are carried over.
    """
    docs_dir.mkdir(parents=True, exist_ok=True)
    # GX logs every metric computation at INFO; the outcome is reported by the check instead.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = _context(docs_dir)
    source = context.data_sources.add_pandas(f"{suite.name}_marts")
    expectations_by_mart = {mart: 0 for mart in suite.marts}
    rows_by_frame: dict[str, int] = {}
    rows_carried_over_by_frame: dict[str, int] = {}
    failures: list[FailedExpectation] = []
    pages = _DocsPages()
    for frame_check in frames:
        checkpoint = _checkpoint(context, source, suite, frame_check)
        frame_failures = _FrameFailures(frame_check)
        if isinstance(frame_check.frame, batches.MunicipalityBatches):
            if connection is None:
                raise ValueError(f"{frame_check.name} is read in batches and needs a warehouse connection")
            rows = _validate_in_batches(
                checkpoint,
                _quick_checkpoint(context, checkpoint),
                frame_check,
                frame_check.frame,
                frame_failures,
                connection,
                passed,
                pages,
            )
        else:
            frame = frame_check.frame.drop(
                columns=[column for column in frame_check.frame.columns if column in PERSONAL_COLUMNS]
            )
            rows = _validate_whole(checkpoint, frame_check, frame, frame_failures, passed, pages)
        rows_by_frame[frame_check.name] = rows.validated
        rows_carried_over_by_frame[frame_check.name] = rows.carried_over
        expectations_by_mart[frame_check.mart] = expectations_by_mart.get(frame_check.mart, 0) + len(
            frame_check.expectations
        )
        failures += frame_failures.failures()
    pages.build(context)
    return SuiteOutcome(
        suite=suite.name,
        title=suite.title,
        validated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        expectations_by_mart=expectations_by_mart,
        rows_by_frame=rows_by_frame,
        failures=failures,
        data_docs_index=str(docs_dir / "index.html"),
        rows_carried_over_by_frame=rows_carried_over_by_frame,
    )


def validation_root(settings: Settings) -> Path:
    return settings.publish_dir / "validations"


def validation_run_dir(settings: Settings, run_id: str) -> Path:
    return validation_root(settings) / run_id


def passed_batches_path(settings: Settings, suite: str) -> Path:
    # A dot folder: `prune_validation_runs` treats every other folder as a run.
    return validation_root(settings) / ".passed" / f"{suite}.json"


def run_suite(suite: MartSuite, settings: Settings, run_id: str) -> SuiteOutcome:
    """Validate the suite under the warehouse lock and record the outcome for `run_id`.

    Batched frames are read while they are validated, so the lock is held for the
    whole suite; the store of passed municipalities is written under it too, so two
    runs of a suite never interleave their carry-over.
    """
    run_dir = validation_run_dir(settings, run_id)
    passed = batches.PassedBatches(passed_batches_path(settings, suite.name))
    with warehouse_connection(settings, read_only=True) as connection:
        frames = suite.build(connection, passed)
        outcome = validate_frames(suite, frames, run_dir / suite.name, connection=connection, passed=passed)
        passed.save()
    write_outcome(run_dir, outcome)
    prune_validation_runs(validation_root(settings), keep=VALIDATION_RUNS_KEPT, protect=run_dir)
    return outcome


def write_outcome(run_dir: Path, outcome: SuiteOutcome) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomically(
        run_dir / f"{outcome.suite}{SUMMARY_FILE_SUFFIX}",
        json.dumps(outcome.to_json(), ensure_ascii=False, indent=2, default=str),
    )
    write_overview(run_dir, read_outcomes(run_dir))
    _point_latest_at(run_dir)


def read_outcomes(run_dir: Path) -> dict[str, SuiteOutcome]:
    outcomes = {}
    for path in sorted(run_dir.glob(f"*{SUMMARY_FILE_SUFFIX}")):
        outcome = SuiteOutcome.from_json(json.loads(path.read_text(encoding="utf-8")))
        outcomes[outcome.suite] = outcome
    return outcomes


def _point_latest_at(run_dir: Path) -> None:
    """`validations/latest` always names the newest run's results, for people looking for them."""
    point_link_at(run_dir.parent / "latest", Path(run_dir.name))


def prune_validation_runs(root: Path, *, keep: int, protect: Path) -> None:
    """Validation results of old runs go; published versions keep their own copy."""
    runs = sorted(
        (path for path in root.iterdir() if path.is_dir() and not path.is_symlink() and not path.name.startswith(".")),
        key=lambda path: path.stat().st_mtime_ns,
        reverse=True,
    )
    for path in runs[keep:]:
        if path != protect:
            shutil.rmtree(path, ignore_errors=True)
