"""Dagster assets of the raw schema: one per CSV kind (with its storage tables), one for Kolada.

A file whose header lacks required columns is rejected whole; the asset first
loads (and commits) every other file of its kind and then fails, so the run
shows the error while the good deliveries are already in the warehouse. It
keeps failing while the rejected file stays in the landing folder.
"""

import dagster as dg

from orchestration.defs.ingest.contracts import CSV_KINDS, FileKind
from orchestration.defs.ingest.kolada_loader import KOLADA_TABLE_NAMES
from orchestration.defs.ingest.landing import KOLADA, LoadSummary, load_landing
from orchestration.defs.ingest.raw_schema import snapshots_table, spans_table, versions_table
from orchestration.settings import load_settings
from orchestration.warehouse import warehouse_connection

GROUP = "ingest"
# Every step that writes the DuckDB file is in this pool; with one slot, steps never run at once.
POOL = "duckdb"


def _load(context: dg.AssetExecutionContext, kind: str) -> LoadSummary:
    settings = load_settings()
    with warehouse_connection(settings) as connection:
        return load_landing(connection, settings, kinds=[kind], progress=context.log.info)


def _fail_on_errors(context: dg.AssetExecutionContext, summary: LoadSummary, metadata: dict) -> None:
    if summary.errors:
        for message in summary.errors:
            context.log.error(message)
        raise dg.Failure(description="\n".join(summary.errors), metadata=metadata)


def _storage_tables(kind: FileKind) -> list[str]:
    """The raw tables a kind's loads write: snapshot kinds keep theirs as changes behind a view."""
    if kind.snapshot_column is None:
        return [kind.name]
    return [kind.name, versions_table(kind), snapshots_table(kind), spans_table(kind)]


def _csv_asset(kind: FileKind) -> dg.AssetsDefinition:
    tables = _storage_tables(kind)
    described = f"{kind.description} Läses från leveransmappen (LANDING_DIR/{kind.name}_*.csv)."

    @dg.multi_asset(
        name=f"raw_{kind.name}",
        specs=[
            dg.AssetSpec(
                ["raw", table],
                group_name=GROUP,
                kinds={"duckdb"},
                description=described if table == kind.name else f"{described} Lagring som förändringar: {table}.",
            )
            for table in tables
        ],
        pool=POOL,
    )
    def _asset(context: dg.AssetExecutionContext):
        summary = _load(context, kind.name)
        files = summary.files_of(kind.name)
        quarantined = sum(result.rows_quarantined for result in files)
        if quarantined:
            context.log.warning(f"{quarantined} rows of {kind.name} quarantined; see raw.quarantine")
        metadata = {
            "files": dg.MetadataValue.json({result.file_name: result.as_metadata() for result in files}),
            "rows_read": sum(result.rows_read for result in files),
            "rows_loaded": sum(result.rows_loaded for result in files),
            "rows_quarantined": quarantined,
            "unknown_columns": dg.MetadataValue.json(
                {result.file_name: list(result.unknown_columns) for result in files if result.unknown_columns}
            ),
            "rejected_files": dg.MetadataValue.json([result.file_name for result in summary.rejected]),
        }
        _fail_on_errors(context, summary, metadata)
        for table in tables:
            yield dg.MaterializeResult(asset_key=["raw", table], metadata=metadata)

    return _asset


CSV_ASSETS = [_csv_asset(kind) for kind in CSV_KINDS.values()]


@dg.multi_asset(
    name="raw_kolada",
    specs=[
        dg.AssetSpec(
            ["raw", table],
            group_name=GROUP,
            kinds={"duckdb"},
            description=f"Kolada ({table.removeprefix('kolada_')}), en daterad ögonblicksbild per ändrad leverans. Källa: Kolada.",
        )
        for table in KOLADA_TABLE_NAMES
    ],
    pool=POOL,
)
def kolada_assets(context: dg.AssetExecutionContext):
    summary = _load(context, KOLADA)
    result = summary.kolada
    common = {
        "outcome": result.outcome,
        "snapshot_id": result.snapshot_id,
        "snapshot_date": str(result.snapshot_date) if result.snapshot_date else None,
        "files": result.files,
        "message": result.message,
    }
    _fail_on_errors(context, summary, common)
    for table in KOLADA_TABLE_NAMES:
        yield dg.MaterializeResult(asset_key=["raw", table], metadata=common | {"rows_loaded": result.rows.get(table, 0)})


ASSETS = [*CSV_ASSETS, kolada_assets]
