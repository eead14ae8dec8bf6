"""Asset keys of the dbt mart models, as dagster-dbt's default translator names them.

The default translator prefixes a model's key with its configured schema, so
the model `fct_ledger_months` in schema `marts` is ["marts", "fct_ledger_months"].
tests/test_quality_gates.py checks these keys against the dbt assets.
"""

from __future__ import annotations

import dagster as dg

MART_SCHEMA = "marts"


def mart_asset_key(table: str) -> dg.AssetKey:
    return dg.AssetKey([MART_SCHEMA, table])
