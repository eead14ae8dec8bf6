"""The publish step: every mart and dimension, for BI tools, once every suite has passed."""

import dagster as dg
from dagster import AssetExecutionContext

from orchestration.defs.publish.versions import PublishRefused, publish_marts
from orchestration.defs.quality.framework import read_outcomes, run_suite, validation_run_dir
from orchestration.defs.quality.keys import mart_asset_key
from orchestration.defs.quality.suites import SUITES
from orchestration.settings import load_settings

# The mart tables of docs/architecture.md. Depending on all of them puts the
# publish step downstream of every blocking suite check.
DIMENSION_TABLES = (
    "dim_municipality",
    "dim_unit",
    "dim_calendar",
    "dim_occupation_group",
    "dim_kpi",
    "dim_metric",
)
FACT_TABLES = tuple(mart for suite in SUITES for mart in suite.marts)
PUBLISHED_MARTS_KEY = dg.AssetKey(["published_marts"])


@dg.asset(
    key=PUBLISHED_MARTS_KEY,
    deps=[mart_asset_key(table) for table in (*FACT_TABLES, *DIMENSION_TABLES)],
    group_name="publish",
    pool="duckdb",
    description=(
        "Martarna som Parquet-filer och en skrivskyddad DuckDB-fil för BI-verktyg, i en ny version "
        "som byts in atomärt under PUBLISH_DIR/current. Publiceras bara när alla GX-sviter är godkända."
    ),
)
def published_marts(context: AssetExecutionContext) -> dg.MaterializeResult:
    settings = load_settings()
    run_dir = validation_run_dir(settings, context.run.run_id)
    outcomes = read_outcomes(run_dir) if run_dir.is_dir() else {}
    # A run that selects only this asset still publishes nothing unchecked.
    for suite in SUITES:
        if suite.name not in outcomes:
            context.log.info(f"Sviten {suite.name} kördes inte i den här körningen; kör den före publicering.")
            outcomes[suite.name] = run_suite(suite, settings, context.run.run_id)
    try:
        publication = publish_marts(settings, run_id=context.run.run_id, outcomes=outcomes, quality_dir=run_dir)
    except PublishRefused as refusal:
        raise dg.Failure(
            description=f"{refusal}\nInget publicerades; den senast publicerade versionen ligger kvar.",
            allow_retries=False,
        ) from refusal
    if publication.unchanged:
        context.log.info(
            f"Martarna är oförändrade sedan version {publication.version}; den ligger kvar som current."
        )
    return dg.MaterializeResult(
        metadata={
            "version": dg.MetadataValue.text(publication.version),
            "unchanged": dg.MetadataValue.bool(publication.unchanged),
            "path": dg.MetadataValue.path(str(publication.path)),
            "current": dg.MetadataValue.path(str(settings.publish_dir / "current")),
            "rows_by_table": dg.MetadataValue.json(publication.rows_by_table),
            "reused_tables": dg.MetadataValue.json(list(publication.reused_tables)),
            "written_files": dg.MetadataValue.json(list(publication.written_files)),
            "data_docs": dg.MetadataValue.path(str(publication.path / "quality" / "index.html")),
        }
    )
