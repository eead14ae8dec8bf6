"""Files and links that readers see either whole or not at all."""

from __future__ import annotations

import os
from pathlib import Path


def write_text_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename over it: a reader never sees half a file."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def point_link_at(link: Path, target: Path) -> None:
    """Make the symlink `link` point at `target` with one rename, so it always points somewhere."""
    link = Path(link)
    partial = link.with_name(f".{link.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    partial.symlink_to(target, target_is_directory=True)
    os.replace(partial, link)
