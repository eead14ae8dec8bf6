"""Large mart frames read and validated per group of municipalities, and passes carried over between runs.

A national mart (fct_employment_months: 16 M rows, fct_metric_values: 29 M) does
not fit in memory as one pandas DataFrame. Such a frame is a `MunicipalityBatches`:
it is validated a few partitions at a time, up to `ROW_BUDGET` rows per GX
validation, reading only the columns its expectations and example keys name.
The rows of consecutive batches, up to `STAGE_BUDGET`, are read from the frame's
SQL by one scan into a DuckDB temporary table (`StagedBatches`), so the query is
evaluated once per stage rather than once per batch.

The unit of a batch and of carry-over is a partition: a municipality's period
(`period_column`: month, year or snapshot date) or, without a period column, a
whole municipality. Every expectation on such a frame must hold per partition
for the whole to hold: row checks trivially, keys because they include
`municipality_id` and the period column, and the row-count bounds because they
are computed from the raw rows of the same partitions
(`parameters_by_municipality`, keyed by `partition_key`, summed over a batch).

Incremental re-validation: before reading, one DuckDB scan gives each
partition's content fingerprint (row count and the sum of a hash over every
column read, plus its raw-count parameters; or, for a frame with `fingerprint_sql`,
over every column of the mart rows it is computed from). The raw-count
parameters are kept in the same store and recounted only for partitions that a
newer load touched (`RawCounts`, `PassedBatches.raw_counts`). Comparisons with
other tables are frames of their own, so a mart frame's fingerprint reads that
mart alone. `PassedBatches` keeps, per suite,
the fingerprints of partitions whose last validation passed every expectation
(no failure, no warning), together with a hash of the frame's definition (SQL,
columns, expectations with their kwargs and vocabularies). A partition whose
fingerprint and definition are unchanged is not validated again: its pass is
carried over and reported as carried over. A partition in a batch with any
failure is dropped from the store, so it is validated on every run until it
passes. One new month of deliveries thus re-validates that month only.

The store is one JSON file per suite in `PUBLISH_DIR/validations/.passed/`.
Deleting it only makes the next run validate everything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import great_expectations as gx
import numpy as np
import pandas as pd

from orchestration.files import write_text_atomically
from orchestration.fingerprint import stable_value_sql

T = TypeVar("T")

BATCH_COLUMN = "municipality_id"
# About 50 MB of pandas frame (text as categoricals); GX's masks and filtered copies come on top.
# Larger batches pay GX's fixed cost per validation (about 0.3 s) fewer times; beyond this, no faster.
ROW_BUDGET = 1_000_000
# Rows of consecutive batches read by one scan of the frame's SQL into a DuckDB temporary table
# (which spills to disk beyond the memory limit): one new month of every municipality is one scan.
STAGE_BUDGET = 3_000_000
STORE_VERSION = 2
# Text columns with at most this many distinct values (and this share of the batch's rows) are read as categoricals.
ENUM_MAX_VALUES = 5_000
ENUM_MAX_SHARE = 0.05


@dataclass(frozen=True)
class MunicipalityBatches:
    """A mart query too large to read whole; it must select `municipality_id`.

    `parameters_by_municipality` holds, per municipality, the expectation
    parameters that are counts over the municipality's raw rows (row-count
    bounds); a batch's parameter is their sum over the batch.
    """

    sql: str
    parameters_by_municipality: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # With a period column, the unit of carry-over is a municipality's period (`partition_key`):
    # one new month re-validates that month, not the municipality's whole history.
    period_column: str | None = None
    # When the frame derives columns from its mart's rows by expressions and joins that cost more to
    # evaluate than to hash, `fingerprint_sql` is what is fingerprinted instead: every column of
    # the rows the frame is computed from, with the frame's municipality and period columns. Sound
    # when a partition's frame rows are a function of that partition's rows there and of the small
    # tables read by `fingerprint_inputs`, whose whole contents go into the definition hash.
    fingerprint_sql: str | None = None
    fingerprint_inputs: tuple[str, ...] = ()

    def partition(self) -> str:
        """The SQL expression of a row's partition key, `partition_key` in SQL."""
        municipality = f"coalesce({_select([BATCH_COLUMN])}, '')"
        if self.period_column is None:
            return municipality
        return f"{municipality} || '/' || coalesce(cast({_select([self.period_column])} as varchar), '')"


def partition_key(municipality: str | None, period: object = None, *, by_period: bool = False) -> str:
    if not by_period:
        return municipality or ""
    return f"{municipality or ''}/{'' if period is None else period}"


def per_municipality(connection: duckdb.DuckDBPyConnection, sql: str) -> dict[str, dict[str, int]]:
    """`sql` returns `municipality_id`, optionally `period` (text, as the mart's period column
    casts to text), and one column per parameter; keyed as `partition_key`."""
    cursor = connection.execute(sql)
    names = [column[0] for column in cursor.description]
    by_period = len(names) > 1 and names[1] == "period"
    first = 2 if by_period else 1
    return {
        partition_key(row[0], row[1] if by_period else None, by_period=by_period): {
            name: int(value or 0) for name, value in zip(names[first:], row[first:], strict=True)
        }
        for row in cursor.fetchall()
    }


@dataclass(frozen=True)
class RawCounts:
    """Row-count parameters counted per (municipality, period) partition of a raw relation.

    `counts` maps each parameter to its aggregate over `relation`; `period` is the
    partition's period as text, an expression valid on both `relation` and
    `stamps`. `stamps` is where ingest records the loads of each partition: rows
    carrying `kommunkod`, the period's columns, `_load_id` and `_loaded_at` (the raw
    table itself, or for a kind stored as snapshots its small snapshot list).
    See `PassedBatches.raw_counts` for why a partition with the same stamps needs
    no recount.
    """

    relation: str
    stamps: str
    period: str
    counts: Mapping[str, str]

    def definition(self) -> str:
        text = json.dumps(dataclasses.asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]


def count_raw(
    connection: duckdb.DuckDBPyConnection, spec: RawCounts, passed: PassedBatches | None = None
) -> dict[str, dict[str, int]]:
    """`spec`'s counts per partition; with `passed`, kept from earlier runs where the partition's loads are the same."""
    if passed is not None:
        return passed.raw_counts(connection, spec)
    return per_municipality(connection, _count_sql(spec, ""))


def _count_sql(spec: RawCounts, where: str) -> str:
    aggregates = ", ".join(f"{aggregate} as {_select([name])}" for name, aggregate in spec.counts.items())
    return (
        f"select kommunkod as municipality_id, {spec.period} as period, {aggregates} "
        f"from {spec.relation} {where} group by all"
    )


def query_columns(connection: duckdb.DuckDBPyConnection, source: MunicipalityBatches | str) -> list[str]:
    sql = source.sql if isinstance(source, MunicipalityBatches) else source
    return [column[0] for column in connection.execute(f"select * from ({sql}) limit 0").description]


def _select(columns: Sequence[str]) -> str:
    return ", ".join('"' + column.replace('"', '""') + '"' for column in columns)


def fingerprints(
    connection: duckdb.DuckDBPyConnection, batches: MunicipalityBatches, columns: Sequence[str]
) -> dict[str, tuple[int, str]]:
    """Per partition: its row count and a fingerprint of everything the expectations see
    (or, with `fingerprint_sql`, of everything the frame's rows are computed from)."""
    sql = batches.fingerprint_sql or batches.sql
    if batches.fingerprint_sql is not None:
        columns = query_columns(connection, batches.fingerprint_sql)
    types = dict(
        (name, str(type_code))
        for name, type_code, *_ in connection.execute(f"select {_select(columns)} from ({sql}) limit 0").description
    )
    hashed = ", ".join(stable_value_sql(_select([column]), types[column]) for column in columns)
    partition_columns = _select([BATCH_COLUMN, *([batches.period_column] if batches.period_column else [])])
    # Grouped by the partition columns themselves and keyed afterwards: building the key text for
    # every row would cost as much as the grouping.
    rows = connection.execute(
        f"""
        select partition_key, sum(row_count), cast(sum(content_hash) as varchar)
        from (
            select {batches.partition()} as partition_key, count(*) as row_count, sum(hash({hashed})) as content_hash
            from ({sql})
            group by {partition_columns}
        )
        group by partition_key
        """
    ).fetchall()
    content = {municipality: (count, digest) for municipality, count, digest in rows}
    result = {}
    for municipality in sorted(set(content) | set(batches.parameters_by_municipality), key=str):
        count, digest = content.get(municipality, (0, ""))
        parameters = json.dumps(batches.parameters_by_municipality.get(municipality, {}), sort_keys=True)
        result[municipality] = (count, hashlib.sha256(f"{count}:{digest}:{parameters}".encode()).hexdigest()[:32])
    return result


def plan_batches(rows_by_partition: Mapping[str, int], budget: int) -> list[list[str]]:
    """Consecutive partitions grouped up to `budget` rows; a larger partition is a batch of its own."""
    return _consecutive_groups(sorted(rows_by_partition, key=str), rows_by_partition.__getitem__, budget)


def stage_groups(
    planned: Sequence[Sequence[str]], rows_by_partition: Mapping[str, int], budget: int
) -> list[list[list[str]]]:
    """Consecutive batches grouped up to `budget` rows, each group staged by one scan of the frame's SQL."""
    return _consecutive_groups(
        [list(batch) for batch in planned],
        lambda batch: sum(rows_by_partition.get(partition, 0) for partition in batch),
        budget,
    )


def _consecutive_groups(items: Sequence[T], rows_of: Callable[[T], int], budget: int) -> list[list[T]]:
    """`items` in order, a new group started where the next item would take the group over `budget` rows."""
    groups: list[list[T]] = []
    rows_in_group = 0
    for item in items:
        rows = rows_of(item)
        if not groups or rows_in_group + rows > budget:
            groups.append([])
            rows_in_group = 0
        groups[-1].append(item)
        rows_in_group += rows
    return groups


class StagedBatches:
    """The rows of several batches, read from the frame's SQL by one scan into a temporary table.

    Evaluating a mart query (joins, window functions, regular expressions) costs
    about as much for a few partitions as for all of them unless the filter
    reaches the table scan; reading each batch by its own query would repeat the
    scan per batch. The scan is filtered on the municipality and period columns
    themselves, which DuckDB pushes down to the mart's storage (a new month lies
    in the newest row groups), and then on the exact partitions. Each batch is
    then a cheap filter on the temporary table.
    """

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        batches: MunicipalityBatches,
        columns: Sequence[str],
        planned: Sequence[Sequence[str]],
    ) -> None:
        self.connection = connection
        self.columns = list(columns)
        partitions = [(key, number) for number, batch in enumerate(planned) for key in batch]
        connection.execute(
            "create or replace temp table quality_stage_plan as "
            "select unnest(?::varchar[]) as quality_partition_key, unnest(?::integer[]) as quality_batch_number",
            [[key for key, _ in partitions], [number for _, number in partitions]],
        )
        self.types = {
            name: str(type_code)
            for name, type_code, *_ in connection.execute(f"select * from ({batches.sql}) limit 0").description
        }
        keys = [key for key, _ in partitions]
        filters = [_in_filter(BATCH_COLUMN, self.types[BATCH_COLUMN], {key.split("/")[0] for key in keys})]
        if batches.period_column is not None:
            periods = {key.split("/", 1)[1] for key in keys if "/" in key}
            filters.append(_in_filter(batches.period_column, self.types[batches.period_column], periods))
        connection.execute(
            f"""
            create or replace temp table quality_stage as
            select {_select(self.columns)}, plan.quality_batch_number
            from (select * from ({batches.sql}) where {" and ".join(filters)}) as frame
            inner join quality_stage_plan as plan on {batches.partition()} = plan.quality_partition_key
            """
        )

    def __enter__(self) -> StagedBatches:
        return self

    def __exit__(self, *_: object) -> None:
        self.connection.execute("drop table if exists quality_stage")
        self.connection.execute("drop table if exists quality_stage_plan")

    def read(self, number: int, *, keep_as_strings: Iterable[str] = ()) -> pd.DataFrame:
        """Batch `number`'s rows; few-valued text columns as pandas categoricals.

        Converting DuckDB text to Python strings is most of the cost of a read and of
        its memory. A column with few distinct values in the batch (vocabularies,
        municipality, unit, source file) is cast to a DuckDB ENUM of exactly those
        values, which arrives as a pandas categorical: nothing is lost (an unknown
        value or NULL stays what it was), and GX's set, null and uniqueness checks
        work on it as on strings. Columns compared with each other (`keep_as_strings`)
        stay strings, since pandas does not compare categoricals of different values.
        """
        connection = self.connection
        kept = set(keep_as_strings)
        texts = [column for column in self.columns if self.types[column] == "VARCHAR" and column not in kept]
        rows = f"quality_stage where quality_batch_number = {int(number)}"
        expressions = {column: _select([column]) for column in self.columns}
        if texts:
            counts = connection.execute(
                f"select count(*), {', '.join(f'approx_count_distinct({_select([text])})' for text in texts)} "
                f"from {rows}"
            ).fetchone()
            limit = min(ENUM_MAX_VALUES, max(1, int(counts[0] * ENUM_MAX_SHARE)))
            few_valued = [column for column, distinct in zip(texts, counts[1:], strict=True) if distinct <= limit]
            if few_valued:
                # One scan for the values of every few-valued column.
                lists = connection.execute(
                    "select "
                    + ", ".join(
                        f"list(distinct {_select([column])} order by {_select([column])}) "
                        f"filter (where {_select([column])} is not null)"
                        for column in few_valued
                    )
                    + f" from {rows}"
                ).fetchone()
                for column, values in zip(few_valued, lists, strict=True):
                    if values:
                        quoted = _select([column])
                        literals = ", ".join(text_literal(value) for value in values)
                        expressions[column] = f"cast({quoted} as enum({literals})) as {quoted}"
        return connection.execute(f"select {', '.join(expressions.values())} from {rows}").df()


def read_ahead(
    connection: duckdb.DuckDBPyConnection,
    batches: MunicipalityBatches,
    columns: Sequence[str],
    planned: Sequence[Sequence[str]],
    rows_by_partition: Mapping[str, int],
    *,
    keep_as_strings: Iterable[str] = (),
) -> Iterator[tuple[list[str], pd.DataFrame]]:
    """Each planned batch's partitions and rows, the next batch read while the caller validates this one.

    GX on pandas and DuckDB's scans and conversion each keep one core busy, and
    DuckDB releases the GIL while it works, so on a worker thread the reads of a
    national mart (a third of its check time) overlap its validation. Only the
    worker touches `connection` until the iteration ends; at most two batches are
    in memory at once.
    """
    kept = set(keep_as_strings)

    def staged_reads() -> Iterator[tuple[list[str], pd.DataFrame]]:
        for group in stage_groups(planned, rows_by_partition, STAGE_BUDGET):
            with StagedBatches(connection, batches, columns, group) as staged:
                for number, partitions in enumerate(group):
                    yield list(partitions), staged.read(number, keep_as_strings=kept)

    items = staged_reads()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="quality-read") as reader:
        try:
            pending = reader.submit(next, items, None)
            while (item := pending.result()) is not None:
                pending = reader.submit(next, items, None)
                yield item
        finally:
            # Stopped early (a failure in the caller): let a read under way finish, then drop the stage.
            reader.shutdown(wait=True)
            items.close()


def text_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_filter(column: str, data_type: str, values: Iterable[str]) -> str:
    """`column` among the partition keys' texts, as constants of the column's type, so DuckDB can push it
    down to the scan; the empty text stands for NULL (and for '' in a text column), as in `partition()`."""
    quoted = _select([column])
    values = set(values)
    conditions = []
    named = sorted(value for value in values if value != "")
    if named:
        literals = ", ".join(f"cast({text_literal(value)} as {data_type})" for value in named)
        conditions.append(f"{quoted} in ({literals})")
    if "" in values:
        conditions.append(f"{quoted} is null")
        if data_type == "VARCHAR":
            conditions.append(f"{quoted} = ''")
    return f"({' or '.join(conditions)})" if conditions else "false"


def batch_parameters(batches: MunicipalityBatches, partitions: Iterable[str]) -> dict[str, int]:
    """A partition without raw rows counts 0, never the whole mart's total."""
    totals = {name: 0 for counts in batches.parameters_by_municipality.values() for name in counts}
    for partition in partitions:
        for name, value in batches.parameters_by_municipality.get(partition, {}).items():
            totals[name] = totals.get(name, 0) + value
    return totals


def batch_label(partitions: Sequence[str]) -> str:
    municipality_ids = sorted({key.split("/")[0] for key in partitions})
    periods = sorted({key.split("/")[1] for key in partitions if "/" in key})
    if not municipality_ids:
        return "inga kommuner"
    label = f"kommun {municipality_ids[0]}"
    if len(municipality_ids) > 1:
        label = f"kommun {municipality_ids[0]}–{municipality_ids[-1]} ({len(municipality_ids)} kommuner)"
    if periods:
        label += f", {periods[0]}" if len(periods) == 1 else f", {periods[0]}–{periods[-1]}"
    return label


def fingerprint_inputs(connection: duckdb.DuckDBPyConnection, batches: MunicipalityBatches) -> list[Any]:
    """The contents of the small tables a `fingerprint_sql` frame also reads, for its definition hash."""
    return [
        [list(row) for row in connection.execute(f"select * from ({sql}) order by all").fetchall()]
        for sql in batches.fingerprint_inputs
    ]


def definition_hash(
    batches: MunicipalityBatches,
    columns: Sequence[str],
    expectations: Sequence[gx.expectations.Expectation],
    parameters: Mapping[str, Any],
    inputs: Sequence[Any] = (),
) -> str:
    """Changes whenever what a municipality's pass depends on (besides its own rows) changes."""
    text = json.dumps(
        {
            "sql": batches.sql,
            "columns": list(columns),
            "expectations": _configurations(expectations),
            "parameters": dict(parameters),
            "fingerprint_sql": batches.fingerprint_sql,
            "inputs": list(inputs),
            "gx": gx.__version__,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _configurations(expectations: Sequence[gx.expectations.Expectation]) -> list[dict[str, Any]]:
    configurations = []
    for item in expectations:
        configuration = item.configuration.to_json_dict()
        configuration.pop("id", None)  # assigned by the GX context, differs per run
        configurations.append(configuration)
    return configurations


def frame_digest(
    frame: pd.DataFrame, expectations: Sequence[gx.expectations.Expectation], parameters: Mapping[str, Any]
) -> str:
    """Everything a whole frame's result depends on: its columns, its rows (in any order), the
    expectations and their parameters. Floating-point noise only makes the frame validate again."""
    rows = np.sort(pd.util.hash_pandas_object(frame, index=False).to_numpy())
    digest = hashlib.sha256(
        json.dumps(
            {
                "columns": [[str(name), str(dtype)] for name, dtype in frame.dtypes.items()],
                "expectations": _configurations(expectations),
                "parameters": dict(parameters),
                "gx": gx.__version__,
            },
            sort_keys=True,
            default=str,
        ).encode()
    )
    digest.update(rows.tobytes())
    return digest.hexdigest()


class PassedBatches:
    """The fingerprints of partitions whose last validation passed, per frame of one suite."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._frames: dict[str, dict[str, Any]] = {}
        self._seen: set[str] = set()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            data = {}
        self._raw_counts: dict[str, dict[str, Any]] = {}
        self._raw_counts_seen: set[str] = set()
        if data.get("version") == STORE_VERSION:
            self._frames = data.get("frames", {})
            self._raw_counts = data.get("raw_counts", {})

    def passed(self, frame: str, definition: str) -> dict[str, str]:
        entry = self._frames.get(frame)
        if not entry or entry.get("definition") != definition:
            return {}
        return dict(entry.get("partitions", {}))

    def replace(self, frame: str, definition: str, partitions: Mapping[str, str]) -> None:
        self._frames[frame] = {"definition": definition, "partitions": dict(sorted(partitions.items()))}
        self._seen.add(frame)

    def raw_counts(self, connection: duckdb.DuckDBPyConnection, spec: RawCounts) -> dict[str, dict[str, int]]:
        """`spec`'s counts per partition (keyed as `partition_key`), recounting only partitions whose loads changed.

        Raw rows change only through ingest, and every load stamps what it writes
        with its `_load_id` and `_loaded_at`: a new or re-delivered partition's rows
        (a replacement deletes only keys the file delivers again, and the key holds
        municipality and period), or for a snapshot kind a new row in its snapshot
        list (spans of stored snapshots are only cut by re-delivering that snapshot;
        closing a span at a new snapshot leaves the older ones as they were). So a
        partition whose stamps (count, newest load id, newest load time) are the ones
        its kept counts were taken at holds the same rows; rows deleted outside a load
        change a plain table's count, and a rebuilt warehouse has other load times.
        Reading the stamps is a grouped scan of the partition and load columns, not
        distinct counts over every raw row nor the expansion of every stored snapshot.
        """
        definition = spec.definition()
        self._raw_counts_seen.add(definition)
        stamps = {
            partition_key(municipality, period, by_period=True): [rows, load_id, loaded_at]
            for municipality, period, rows, load_id, loaded_at in connection.execute(
                f"select kommunkod, {spec.period}, count(*), max(_load_id), cast(max(_loaded_at) as varchar) "
                f"from {spec.stamps} group by all"
            ).fetchall()
        }
        kept = self._raw_counts.get(definition, {})
        kept_stamps, kept_counts = kept.get("stamps", {}), kept.get("counts", {})
        counts = {
            partition: kept_counts[partition]
            for partition, stamp in stamps.items()
            if kept_stamps.get(partition) == stamp and partition in kept_counts
        }
        stale = [partition for partition, stamp in stamps.items() if kept_stamps.get(partition) != stamp]
        if stale:
            # Whole partitions are selected (by municipality and by period), so every group the
            # query returns is a partition's exact count, even one that is not stale.
            where = ""
            parts = [key.split("/", 1) for key in stale]
            # A NULL municipality or period (keyed as '') would not match a constant: count everything.
            if len(stale) < len(stamps) and all(municipality and period for municipality, period in parts):
                municipalities = ", ".join(sorted({text_literal(municipality) for municipality, _ in parts}))
                periods = ", ".join(sorted({text_literal(period) for _, period in parts}))
                where = f"where kommunkod in ({municipalities}) and {spec.period} in ({periods})"
            recounted = per_municipality(connection, _count_sql(spec, where))
            counts.update({partition: recounted[partition] for partition in stale if partition in recounted})
        self._raw_counts[definition] = {"stamps": stamps, "counts": counts}
        return counts

    def save(self) -> None:
        """Frames and raw counts the suite no longer has are forgotten."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        frames = {name: entry for name, entry in self._frames.items() if name in self._seen}
        raw_counts = {name: entry for name, entry in self._raw_counts.items() if name in self._raw_counts_seen}
        write_text_atomically(
            self.path,
            json.dumps({"version": STORE_VERSION, "frames": frames, "raw_counts": raw_counts}, indent=1),
        )
