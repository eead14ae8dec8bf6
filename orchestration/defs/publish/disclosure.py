"""What BI tools may see: no person-level rows, no figures about fewer than 5 people.

The warehouse keeps everything (analysts with warehouse access need the detail,
and the truth tests compare against it); the published copy is what leaves the
data team, so disclosure control is applied on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence

MIN_INDIVIDUALS = 5

# One row per employment and month is a record about one person, pseudonymised or not.
PERSON_LEVEL_TABLES = frozenset({"fct_employment_months"})

SUPPRESSION_COMMENT = (
    "Sant när raden gäller färre än 5 personer: måtten är då tomma (röjandekontroll), inte saknade."
)

NUMERIC_TYPE_PREFIXES = ("DECIMAL", "DOUBLE", "FLOAT", "REAL", "INTEGER", "BIGINT", "HUGEINT", "SMALLINT", "TINYINT")
# Numeric columns that say where a row sits, not what it measures.
COORDINATE_COLUMNS = frozenset({"year", "month", "quarter", "months_in_period"})


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def is_published(table: str) -> bool:
    return table not in PERSON_LEVEL_TABLES


def published_select(schema: str, table: str, columns: Sequence[tuple[str, str]]) -> str:
    """The select that publishes `table`: measures blanked where the population is under the threshold.

    A table with an `n_individuals` column gets every measure (and the count itself) set to NULL in rows
    about fewer than MIN_INDIVIDUALS people, and an `is_suppressed` flag, so a blank is never mistaken
    for a missing figure. Secondary suppression (a total revealing a hidden part) is the report's job,
    where totals and parts are laid out side by side.
    """
    names = [name for name, _ in columns]
    if "n_individuals" not in names:
        return f"select {', '.join(quoted(name) for name in names)} from {schema}.{quoted(table)}"
    small = f"n_individuals < {MIN_INDIVIDUALS}"
    expressions = []
    for name, data_type in columns:
        measure = data_type.upper().startswith(NUMERIC_TYPE_PREFIXES) and name not in COORDINATE_COLUMNS
        expressions.append(f"case when {small} then null else {quoted(name)} end as {quoted(name)}" if measure else quoted(name))
    expressions.append(f"coalesce({small}, false) as is_suppressed")
    return f"select {', '.join(expressions)} from {schema}.{quoted(table)}"
