"""The monthly run: deliveries for month M are due in the first days of M+1."""

from __future__ import annotations

import dagster as dg

FULL_PIPELINE_JOB = "full_pipeline"

monthly_full_pipeline = dg.ScheduleDefinition(
    name="monthly_full_pipeline",
    job_name=FULL_PIPELINE_JOB,
    cron_schedule="0 6 5 * *",
    execution_timezone="Europe/Stockholm",
    description="Hela kedjan kl. 06.00 den 5:e varje månad, när månadens leveranser ska ha kommit.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
