"""Publishing while a separate reader process keeps reading `current`, as a BI tool would."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from orchestration.defs.publish.versions import Publication


def publish_while_reading(
    reader_source: str,
    publish_dir: Path,
    work_dir: Path,
    publish_generation: Callable[[int], Publication],
    generations: range,
) -> list[dict[str, str]]:
    """Run `reader_source` (argv: publish dir, stop file; one JSON line per read) against every publish.

    The next generation is published only after the reader has read the current one, so every
    publish overlaps with reads and the reader sees every version. Returns every read; fails on
    any read the reader reports as an error.
    """
    script = work_dir / "reader.py"
    script.write_text(reader_source, encoding="utf-8")
    stop_file = work_dir / "stop"
    reader = subprocess.Popen(
        [sys.executable, str(script), str(publish_dir), str(stop_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[dict[str, str]] = []
    try:
        for generation in generations:
            publication = publish_generation(generation)
            while True:
                line = reader.stdout.readline()
                assert line, f"reader stopped: {reader.stderr.read()}"
                read = json.loads(line)
                assert "error" not in read, read.get("error")
                seen.append(read)
                if read["duckdb"] == publication.version and read["parquet"] == publication.version:
                    break
    finally:
        stop_file.touch()
        remaining, errors = reader.communicate()
    for line in remaining.splitlines():
        read = json.loads(line)
        assert "error" not in read, read.get("error")
        seen.append(read)
    assert reader.returncode == 0, errors
    return seen
