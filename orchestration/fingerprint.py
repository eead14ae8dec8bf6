"""Content fingerprints of warehouse rows that identical rebuilds reproduce.

Publishing (is this version new?), the quality checks (was this partition
validated before?) and the reports (did this report's figures change?) each
hash rows to see whether anything changed since the last run.
"""

from __future__ import annotations

INEXACT_TYPES = frozenset({"DOUBLE", "FLOAT", "REAL"})


def stable_value_sql(expression: str, data_type: str) -> str:
    """A column's value as it goes into a fingerprint.

    Floating-point sums come out of DuckDB's parallel aggregation in any order, so their last
    bits differ between identical rebuilds. They are compared rounded to 6 decimals (noise
    around zero, e.g. a difference of 1e-14) and then at single precision (noise on large
    values, where a fixed-decimal rounding boundary alone would now and then be straddled).
    Written out as round(x * 1e6) / 1e6, which is what DuckDB's round(x, 6) computes, at a
    third of its cost over tens of millions of values.
    """
    if data_type.upper() in INEXACT_TYPES:
        return f"cast(round({expression} * 1000000.0) / 1000000.0 as float)"
    return expression
