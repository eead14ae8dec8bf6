"""Performance benchmark of the whole pipeline against the machine's floor (`make bench`).

`python -m orchestration.bench --scale 10,50,290` generates scaled exports,
runs the pipeline as `omsorgslager run` does, and writes docs/benchmarks.md
and docs/benchmarks.svg.
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from orchestration.bench.harness import main as run

    return run(argv)
