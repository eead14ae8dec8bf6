"""dbt docs as one static, offline HTML file.

`dbt docs generate --static` (dbt ≥ 1.7) writes `static_index.html`: the docs
site with manifest and catalog embedded, so it opens straight from disk
without `dbt docs serve`. Its scripts, styles and fonts are inlined. The one
thing it would fetch is dbt Labs' tracking script (from a CDN), which the page
loads only when the manifest says anonymous usage stats are on; they are
switched off here, so the page needs no network (checked in
tests/test_report_browser.py).

The catalog (column types) is read from the warehouse, under the warehouse
lock like every other step; before the first run there is no warehouse and
the site is built with an empty catalog (descriptions and lineage only).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from orchestration.dbt_invocation import invoke_dbt
from orchestration.settings import Settings, load_settings
from orchestration.warehouse import warehouse_lock

STATIC_FILE = "static_index.html"


def default_docs_dir(settings: Settings) -> Path:
    return settings.duckdb_path.parent / "docs" / "dbt"


class DocsGenerationFailed(RuntimeError):
    """dbt could not generate the documentation."""


def generate_docs(settings: Settings | None = None, out_dir: Path | None = None) -> Path:
    """Generate the static dbt docs site; return the path of its index.html."""
    settings = settings or load_settings()
    out_dir = Path(out_dir or default_docs_dir(settings))
    # A target path of its own keeps Dagster's manifest in dbt_project/target untouched.
    with tempfile.TemporaryDirectory(prefix="dbt-docs-") as target:
        has_warehouse = settings.duckdb_path.exists()
        # dbt-duckdb opens (and would create) the file it is given; before the first
        # run it gets a scratch file so no empty warehouse appears as a side effect.
        warehouse = settings.duckdb_path if has_warehouse else Path(target) / "empty.duckdb"
        arguments = [
            "docs",
            "generate",
            "--static",
            "--quiet",
            # The docs page loads a tracking script from a CDN when usage stats are on.
            "--no-send-anonymous-usage-stats",
        ]
        if not has_warehouse:
            arguments.append("--empty-catalog")
        with warehouse_lock(settings):
            result = invoke_dbt(arguments, target_path=Path(target), duckdb_path=warehouse)
        static = Path(target) / STATIC_FILE
        if not result.success or not static.exists():
            raise DocsGenerationFailed(f"dbt docs generate misslyckades: {result.exception or 'se dbt:s logg ovan'}")
        out_dir.mkdir(parents=True, exist_ok=True)
        temporary = out_dir / f".index.html.{os.getpid()}.tmp"
        shutil.copyfile(static, temporary)
        os.replace(temporary, out_dir / "index.html")
    return out_dir / "index.html"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="omsorgslager dbt-docs",
        description="Skapa dbt-dokumentationen som en fristående HTML-fil som kan öppnas utan nätverk.",
    )
    parser.add_argument("--out", type=Path, help="mapp för index.html (standard: data/docs/dbt bredvid lagret)")
    args = parser.parse_args(argv)
    try:
        path = generate_docs(out_dir=args.out)
    except DocsGenerationFailed as error:
        print(error, file=sys.stderr)
        return 1
    print(f"dbt-dokumentationen: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
