"""What-if for RKA's indices: the index of one municipality and year with one component value changed.

The recomputation is the dbt model `int_rka_indices_computed` itself, run through `dbt show` with the
var `rka_whatif`: the changed value replaces the source value before any scaling, so the what-if uses
the same seed configuration and the same SQL as the mart. Percentiles are taken over all
municipalities again, so a value that moves past P2.5 or P97.5 also moves the bounds, as it would in
RKA's own computation.

    python -m orchestration.whatif --kommun 1489 --year 2022 --kpi U23401 --value 40 [--index U20404]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestration.dbt_invocation import invoke_dbt
from orchestration.settings import Settings, load_settings
from orchestration.warehouse import warehouse_connection, warehouse_lock

WHATIF_MODEL = "int_rka_indices_computed"
MUNICIPALITY_PATTERN = re.compile(r"^[0-9]{4}$")
KPI_PATTERN = re.compile(r"^[A-Z][0-9]{5}$")


class WhatIfError(ValueError):
    """The question cannot be answered (bad input or nothing to recompute)."""


@dataclass(frozen=True)
class WhatIfResult:
    index_kpi_id: str
    index_title: str
    municipality_id: str
    year: int
    published_value: float | None
    recomputed_value: float | None
    whatif_value: float | None

    @property
    def change(self) -> float | None:
        if self.recomputed_value is None or self.whatif_value is None:
            return None
        return self.whatif_value - self.recomputed_value


def _validate(municipality_id: str, year: int, kpi_id: str, value: float) -> None:
    if not MUNICIPALITY_PATTERN.match(municipality_id):
        raise WhatIfError(f"Kommunkoden {municipality_id!r} ska vara fyra siffror, t.ex. 1489.")
    if not KPI_PATTERN.match(kpi_id):
        raise WhatIfError(f"Nyckeltalet {kpi_id!r} ska vara ett Kolada-id, t.ex. U23401.")
    if not 1990 <= year <= 2100:
        raise WhatIfError(f"Året {year} är inte rimligt.")
    if not math.isfinite(value):
        raise WhatIfError("Värdet måste vara ett tal.")


def _affected_indices(rows: list[dict], kpi_id: str) -> set[str]:
    """Indices that use the KPI directly, and the effektivitetsindex built on those."""
    direct = {row["index_kpi_id"] for row in rows if kpi_id in (row["source_kpi_ids"] or "").split(",")}
    composite = {row["index_kpi_id"] for row in rows if row["component_id"] in direct}
    return direct | composite


def _run_model_with_override(settings: Settings, municipality_id: str, year: int, kpi_id: str, value: float) -> list[dict]:
    override = {"rka_whatif": {"municipality_id": municipality_id, "year": year, "kpi_id": kpi_id, "value": value}}
    with tempfile.TemporaryDirectory(prefix="whatif-") as target_dir, warehouse_lock(settings):
        result = invoke_dbt(
            ["show", "--select", WHATIF_MODEL, "--vars", json.dumps(override), "--limit", "-1", "--log-level", "none"],
            target_path=Path(target_dir),
            duckdb_path=settings.duckdb_path,
        )
    if not result.success:
        raise WhatIfError(f"dbt kunde inte räkna om indexet: {result.exception}")
    table = result.result.results[0].agate_table
    return [dict(zip(table.column_names, row, strict=True)) for row in table.rows]


def run_whatif(
    municipality_id: str,
    year: int,
    kpi_id: str,
    value: float,
    index_kpi_id: str | None = None,
    settings: Settings | None = None,
) -> list[WhatIfResult]:
    """Recompute the RKA indices of one municipality and year with one source value changed."""
    settings = settings or load_settings()
    _validate(municipality_id, year, kpi_id, value)
    # Not read-only: dbt-duckdb keeps a read-write handle on the file for the life of the process, and
    # DuckDB refuses a second handle with another configuration in the same process.
    with warehouse_connection(settings) as connection:
        baseline = connection.execute(
            "select index_kpi_id, index_title, published_value, recomputed_value from marts.fct_rka_indices "
            "where municipality_id = ? and year = ? order by index_level, index_kpi_id",
            [municipality_id, year],
        ).fetchall()
    rows = _run_model_with_override(settings, municipality_id, year, kpi_id, value)
    indices = {index_kpi_id} if index_kpi_id else _affected_indices(rows, kpi_id)
    if not indices:
        raise WhatIfError(f"{kpi_id} ingår inte i något av RKA:s index i konfigurationen (seeds/rka_index_components.csv).")
    whatif_values = {
        row["index_kpi_id"]: row["recomputed_value"]
        for row in rows
        if row["input_basis"] == "recomputed" and row["index_kpi_id"] in indices
    }
    results = [
        WhatIfResult(
            index_kpi_id=index,
            index_title=title,
            municipality_id=municipality_id,
            year=year,
            published_value=published,
            recomputed_value=recomputed,
            whatif_value=None if whatif_values.get(index) is None else float(whatif_values[index]),
        )
        for index, title, published, recomputed in baseline
        if index in indices
    ]
    if not results:
        raise WhatIfError(f"Inget index {', '.join(sorted(indices))} för kommun {municipality_id} år {year}.")
    return results


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}".replace(".", ",")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.whatif",
        description="Räkna om RKA:s index för en kommun och ett år med ett ändrat komponentvärde.",
    )
    parser.add_argument("--kommun", required=True, help="kommunkod, t.ex. 1489")
    parser.add_argument("--year", required=True, type=int, help="indexets år, t.ex. 2022")
    parser.add_argument("--kpi", required=True, help="komponentens Kolada-id, t.ex. U23401")
    parser.add_argument("--value", required=True, type=float, help="det nya värdet")
    parser.add_argument("--index", help="bara detta index, t.ex. U20404")
    args = parser.parse_args(argv)
    try:
        results = run_whatif(args.kommun, args.year, args.kpi, args.value, args.index)
    except (WhatIfError, FileNotFoundError) as error:
        print(f"Fel: {error}")
        return 1
    print(f"Kommun {args.kommun}, {args.year}: {args.kpi} = {_number(args.value)}")
    print(f"{'index':<8} {'namn':<52} {'publicerat':>10} {'omräknat':>9} {'om-värde':>9} {'förändring':>10}")
    for result in results:
        print(
            f"{result.index_kpi_id:<8} {result.index_title:<52} {_number(result.published_value):>10} "
            f"{_number(result.recomputed_value):>9} {_number(result.whatif_value):>9} {_number(result.change):>10}"
        )
    print("Källa: Kolada; beräkning enligt RKA:s metod, gjord i detta projekt.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
