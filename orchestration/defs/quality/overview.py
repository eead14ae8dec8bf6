"""A Swedish overview page per run, linking each suite's GX Data Docs.

GX renders one Data Docs site per suite run; this page is the entry point for
people: which suites passed, which expectations failed, with example keys.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.files import write_text_atomically

if TYPE_CHECKING:
    from orchestration.defs.quality.framework import SuiteOutcome

PAGE = """<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<title>Kvalitetskontroller av datamarterna</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; max-width: 60rem; }}
.ok {{ color: #1a7f37; }} .fel {{ color: #b42318; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; }}
</style>
</head>
<body>
<h1>Kvalitetskontroller av datamarterna</h1>
<p>Körning <code>{run}</code>. Varje kontroll är en GX-svit (Great Expectations) som måste godkännas innan
något publiceras för BI-verktyg.</p>
<table>
<tr><th>Kontroll</th><th>Resultat</th><th>Förväntningar</th><th>Kontrollerad</th><th>Detaljer</th></tr>
{rows}
</table>
{failures}
</body>
</html>
"""


def _count(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")


def _rows(outcome: SuiteOutcome) -> str:
    text = f"{_count(sum(outcome.rows_by_frame.values()))} rader kontrollerade"
    carried_over = sum(outcome.rows_carried_over_by_frame.values())
    if carried_over:
        text += f", {_count(carried_over)} oförändrade rader godkända i en tidigare körning"
    return html.escape(text)


def write_overview(run_dir: Path, outcomes: Mapping[str, SuiteOutcome]) -> Path:
    rows = []
    failure_sections = []
    for outcome in outcomes.values():
        status = '<span class="ok">godkänd</span>' if outcome.success else '<span class="fel">underkänd</span>'
        docs = Path(outcome.data_docs_index)
        link = f"{docs.parent.name}/{docs.name}"
        rows.append(
            f"<tr><td>{html.escape(outcome.title)} (<code>{html.escape(outcome.suite)}</code>)</td><td>{status}</td>"
            f"<td>{sum(outcome.expectations_by_mart.values())}, varav {len(outcome.blocking_failures)} underkända "
            f"och {len(outcome.warnings)} varningar</td>"
            f"<td>{html.escape(outcome.validated_at)}<br>{_rows(outcome)}</td>"
            f'<td><a href="{html.escape(link)}">Data Docs</a></td></tr>'
        )
        sections = (("underkända förväntningar", outcome.blocking_failures), ("varningar", outcome.warnings))
        for heading, listed in sections:
            if listed:
                items = "".join(f"<li>{html.escape(failure.sentence())}</li>" for failure in listed)
                failure_sections.append(f"<h2>{html.escape(outcome.title)}: {heading}</h2><ul>{items}</ul>")
    page = PAGE.format(run=html.escape(run_dir.name), rows="\n".join(rows), failures="\n".join(failure_sections))
    target = run_dir / "index.html"
    write_text_atomically(target, page)
    return target
