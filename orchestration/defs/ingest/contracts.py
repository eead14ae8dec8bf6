"""The raw-export contract (docs/raw-exports.md) as data.

One `FileKind` per delivered CSV kind. The loader, the sample generator, the
raw schema DDL and the docs all read these definitions, so the contract is
written down once. Column names are the contract's own (Swedish, lowercase);
English names are given in dbt staging.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ColumnType = Literal["text", "code", "period_month", "int", "decimal", "date", "yes_no", "personnummer", "free_text"]

# DuckDB types in the raw schema. Money and hours are DECIMAL so sums are exact
# to the öre; "code" columns stay text because leading zeros matter.
DUCKDB_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "code": "VARCHAR",
    "period_month": "VARCHAR",
    "int": "INTEGER",
    "decimal": "DECIMAL(18,4)",
    "date": "DATE",
    "yes_no": "BOOLEAN",
    "personnummer": "VARCHAR",
    "free_text": "VARCHAR",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True  # the header must contain it
    nullable: bool = True  # an empty value is allowed (NULL)
    allowed: tuple[str, ...] | None = None  # vocabulary; checked at load

    @property
    def raw_name(self) -> str:
        """Name in the raw table: clear personnummer never gets a column."""
        return "person_hash" if self.type == "personnummer" else self.name


@dataclass(frozen=True)
class FileKind:
    name: str  # file-name prefix and raw table name
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # a later delivery with the same key replaces the earlier row
    description: str
    extra_raw_columns: tuple[tuple[str, str], ...] = field(default=())
    # Full snapshots dated by this column are stored as changes (see raw_schema.py): each distinct
    # content of a row once, plus the runs of consecutive snapshots of a series in which it was seen.
    snapshot_column: str | None = None
    # Who delivers a snapshot (one series of snapshots each): a record can only be unchanged between
    # two snapshots of the same series, so runs are counted within it.
    snapshot_series: tuple[str, ...] = ()

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    @property
    def versioned_columns(self) -> tuple[str, ...]:
        """Raw columns that make up one stored version (all but the snapshot date)."""
        return tuple(column.raw_name for column in self.columns if column.name != self.snapshot_column)


EMPLOYMENT_FORMS = ("Tillsvidare", "Visstid", "Timavlönad")
SEXES = ("K", "M")
LEAVING_REASONS = (
    "Egen begäran",
    "Pension",
    "Avliden",
    "Arbetsbrist",
    "Avsked",
    "Visstid upphör",
    "Intern rörlighet",
)
REPORT_TYPES = ("Avvikelse", "Synpunkt/klagomål", "Samverkansavvikelse", "Arbetsskada", "Tillbud")
CATEGORIES = (
    "Fall",
    "Läkemedel",
    "Bemötande och förhållningssätt",
    "Handläggning och dokumentation",
    "Vård och behandling",
    "Informationsöverföring",
    "Hot och våld",
    "Övrigt",
)
LEGAL_BASES = ("HSL", "SoL", "LSS")
SEVERITIES = ("Ingen", "Lindrig", "Måttlig", "Allvarlig")
STATUSES = ("Ny", "Under utredning", "Åtgärdad", "Avslutad")

PERSONAL_MANAD = FileKind(
    name="personal_manad",
    description="Personalstatistik: en rad per anställning och månad.",
    key=("kommunkod", "period", "anstallnings_id"),
    columns=(
        Column("kommunkod", "code", nullable=False),
        Column("period", "period_month", nullable=False),
        Column("anstallnings_id", "code", nullable=False),
        Column("personnummer", "personnummer", nullable=False),
        Column("kon", "code", allowed=SEXES),
        Column("fodelsear", "int"),
        Column("enhet_id", "code", nullable=False),
        Column("yrkesgrupp", "text"),
        Column("anstallningsform", "text", nullable=False, allowed=EMPLOYMENT_FORMS),
        Column("sysselsattningsgrad", "decimal"),
        Column("ordinarie_tid_h", "decimal"),
        Column("sjuk_h_dag1_14", "decimal"),
        Column("sjuk_h_dag15_59", "decimal"),
        Column("sjuk_h_dag60", "decimal"),
        Column("overtid_h", "decimal"),
        Column("fyllnadstid_h", "decimal"),
        Column("timavlonad_h", "decimal"),
    ),
)

PERSONAL_AVGANG = FileKind(
    name="personal_avgang",
    description="Personalstatistik: en rad per avslutad anställning.",
    key=("kommunkod", "anstallnings_id"),
    columns=(
        Column("kommunkod", "code", nullable=False),
        Column("anstallnings_id", "code", nullable=False),
        Column("personnummer", "personnummer", nullable=False),
        Column("anstallningsform", "text", nullable=False, allowed=EMPLOYMENT_FORMS),
        Column("enhet_id", "code"),
        Column("yrkesgrupp", "text"),
        Column("slutdatum", "date", nullable=False),
        Column("avgangsorsak", "text", nullable=False, allowed=LEAVING_REASONS),
    ),
)

EKONOMI_HUVUDBOK = FileKind(
    name="ekonomi_huvudbok",
    description="Ekonomi: huvudbok, en rad per månad, ansvar, verksamhet och konto.",
    key=("kommunkod", "period", "ansvar", "verksamhet", "konto"),
    columns=(
        Column("kommunkod", "code", nullable=False),
        Column("period", "period_month", nullable=False),
        Column("ansvar", "code", nullable=False),
        Column("verksamhet", "code"),
        Column("konto", "code", nullable=False),
        Column("utfall", "decimal"),
        Column("budget", "decimal"),
    ),
)

ORGANISATION = FileKind(
    name="organisation",
    description="Ekonomi: enhetsregistret med historik (giltig från/till).",
    key=("kommunkod", "enhet_id", "giltig_from"),
    columns=(
        Column("kommunkod", "code", nullable=False),
        Column("enhet_id", "code", nullable=False),
        Column("enhet_namn", "text", nullable=False),
        Column("avdelning", "text"),
        Column("verksamhetsomrade", "text", nullable=False),
        Column("giltig_from", "date", nullable=False),
        Column("giltig_tom", "date"),
    ),
)

AVVIKELSER = FileKind(
    name="avvikelser",
    description="Avvikelser: fullständig ögonblicksbild av alla rapporter, en rad per rapport.",
    # Every snapshot is kept: the snapshot date is part of the key.
    key=("kommunkod", "uttagsdatum", "avvikelse_id"),
    snapshot_column="uttagsdatum",
    snapshot_series=("kommunkod",),
    columns=(
        Column("kommunkod", "code", nullable=False),
        Column("uttagsdatum", "date", nullable=False),
        Column("avvikelse_id", "code", nullable=False),
        Column("rapporttyp", "text", nullable=False, allowed=REPORT_TYPES),
        Column("kategori", "text", allowed=CATEGORIES),
        Column("lagrum", "text", allowed=LEGAL_BASES),
        Column("enhet_id", "code"),
        Column("handelsedatum", "date"),
        Column("rapportdatum", "date", nullable=False),
        Column("allvarlighetsgrad", "text", allowed=SEVERITIES),
        Column("status", "text", nullable=False, allowed=STATUSES),
        Column("avslutsdatum", "date"),
        Column("lex_sarah", "yes_no"),
        Column("lex_maria", "yes_no"),
        Column("beskrivning", "free_text"),
    ),
)

CSV_KINDS: dict[str, FileKind] = {
    kind.name: kind for kind in (PERSONAL_MANAD, PERSONAL_AVGANG, EKONOMI_HUVUDBOK, ORGANISATION, AVVIKELSER)
}

# Lineage columns every raw CSV table carries after the contract's columns.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_source_file", "VARCHAR"),
    ("_source_line", "BIGINT"),
    ("_load_id", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
)


def kind_for_file(file_name: str) -> FileKind | None:
    """A delivery's kind is its file-name prefix followed by `_`."""
    lowered = file_name.lower()
    for kind in CSV_KINDS.values():
        if lowered.startswith(kind.name + "_") and lowered.endswith(".csv"):
            return kind
    return None
