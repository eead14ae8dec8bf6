"""Transform: the dbt project (staging → intermediate → marts)."""

from __future__ import annotations

import dagster as dg


def build_defs() -> dg.Definitions:
    from orchestration.defs.transform.assets import dbt_models
    from orchestration.defs.transform.project import dbt_resource

    return dg.Definitions(assets=[dbt_models], resources={"dbt": dbt_resource()})
