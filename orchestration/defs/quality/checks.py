"""Each mart suite as one blocking Dagster check op, with one check result per guarded mart table.

A `multi_asset_check` lets one GX run (one read of the warehouse, one Data
Docs site) report against both tables of a mart. Every spec is blocking:
when a suite fails, the step fails with a message naming the mart, the
expectation and example keys, and no asset downstream of the guarded tables
(the publish step) runs.
"""

from collections.abc import Iterator

import dagster as dg
from dagster import AssetCheckExecutionContext

from orchestration.defs.quality.framework import FailedExpectation, MartSuite, SuiteOutcome, run_suite
from orchestration.defs.quality.keys import mart_asset_key
from orchestration.settings import load_settings

NOT_PUBLISHED = "Inget publicerades; den senast publicerade versionen ligger kvar."


def _failure_json(failures: list[FailedExpectation]) -> list[dict[str, object]]:
    return [
        {
            "expectation": failure.expectation,
            "description": failure.description,
            "frame": failure.frame,
            "unexpected_count": failure.unexpected_count,
            "observed": failure.observed,
            "example_keys": failure.example_keys,
        }
        for failure in failures
    ]


def check_metadata(outcome: SuiteOutcome, mart: str) -> dict[str, dg.MetadataValue]:
    failures = outcome.failures_for(mart)
    warnings = outcome.warnings_for(mart)
    return {
        "suite": dg.MetadataValue.text(outcome.suite),
        "expectations": dg.MetadataValue.int(outcome.expectations_by_mart.get(mart, 0)),
        "failed_expectations": dg.MetadataValue.int(len(failures)),
        "failures": dg.MetadataValue.json(_failure_json(failures)),
        "warnings": dg.MetadataValue.json(_failure_json(warnings)),
        "rows_validated": dg.MetadataValue.json(outcome.rows_by_frame),
        "rows_carried_over": dg.MetadataValue.json(outcome.rows_carried_over_by_frame),
        "data_docs": dg.MetadataValue.path(outcome.data_docs_index),
    }


def check_description(outcome: SuiteOutcome, mart: str) -> str:
    failures = outcome.failures_for(mart)
    warnings = outcome.warnings_for(mart)
    if failures:
        lines = [failure.sentence() for failure in failures]
    else:
        lines = [f"{outcome.title}: {mart} uppfyller alla blockerande förväntningar."]
    lines += [f"Varning: {warning.sentence()}" for warning in warnings]
    return "\n".join(lines)


def build_suite_check(suite: MartSuite) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            name=suite.check_name,
            asset=mart_asset_key(mart),
            blocking=True,
            description=f"GX-sviten {suite.name} ({suite.title}): måste godkännas innan något publiceras.",
            additional_deps=[mart_asset_key(other) for other in suite.marts if other != mart],
        )
        for mart in suite.marts
    ]

    @dg.multi_asset_check(name=suite.check_name, specs=specs, pool="duckdb")
    def suite_check(context: AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        outcome = run_suite(suite, load_settings(), context.run.run_id)
        for mart in suite.marts:
            yield dg.AssetCheckResult(
                asset_key=mart_asset_key(mart),
                check_name=suite.check_name,
                passed=not outcome.failures_for(mart),
                severity=dg.AssetCheckSeverity.ERROR,
                metadata=check_metadata(outcome, mart),
                description=check_description(outcome, mart),
            )
        if not outcome.success:
            # Dagster's own blocking error names only the check; the operator needs the
            # expectation and the rows, so the step fails with the suite's message.
            raise dg.Failure(
                description=f"{outcome.message()}\n{NOT_PUBLISHED}",
                metadata={"data_docs": dg.MetadataValue.path(outcome.data_docs_index)},
                allow_retries=False,
            )

    return suite_check


def build_suite_checks(suites: list[MartSuite]) -> list[dg.AssetChecksDefinition]:
    return [build_suite_check(suite) for suite in suites]
