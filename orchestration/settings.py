"""Run configuration, read from the environment at call time (never at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LANDING_DIR = PROJECT_ROOT / "seeds" / "landing"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# DuckDB's own default is 80 % of RAM: its buffer pool then grows into memory the
# rest of the run needs. With a limit, large sorts and joins spill to disk instead.
DEFAULT_DUCKDB_MEMORY_LIMIT = "4GB"

# Only for the shipped, synthetic sample: it holds no real personnummer, so a
# published demo key is harmless there and lets `make run` work out of the box.
DEMO_PSEUDONYM_KEY = "demo-key-for-synthetic-sample-data-only"


class ConfigurationError(RuntimeError):
    """The operator's configuration is incomplete or contradictory."""


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    duckdb_path: Path
    publish_dir: Path
    pseudonym_key: bytes
    demo_mode: bool
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT

    @property
    def lock_path(self) -> Path:
        return self.duckdb_path.with_name(self.duckdb_path.name + ".lock")

    def duckdb_config(self) -> dict[str, str]:
        """Settings for every DuckDB connection the pipeline opens on warehouse-sized data.

        Only the memory limit: DuckDB already spills beside the file (`<DUCKDB_PATH>.tmp`), and it
        refuses to set temp_directory again, even to the same folder, once something has spilled
        there, which every further dbt connection of a national build would otherwise do.
        """
        return {"memory_limit": self.duckdb_memory_limit}


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    landing_dir = Path(env.get("LANDING_DIR") or SAMPLE_LANDING_DIR).resolve()
    duckdb_path = Path(env.get("DUCKDB_PATH") or PROJECT_ROOT / "data" / "warehouse.duckdb").resolve()
    publish_dir = Path(env.get("PUBLISH_DIR") or duckdb_path.parent / "published").resolve()
    demo_mode = landing_dir == SAMPLE_LANDING_DIR.resolve() or env.get("DEMO_MODE") == "1"
    key = env.get("PSEUDONYM_KEY")
    if not key:
        if not demo_mode:
            raise ConfigurationError(
                "PSEUDONYM_KEY saknas: sätt miljövariabeln PSEUDONYM_KEY till en hemlig nyckel "
                "(minst 16 tecken) innan verkliga leveranser läses in. Personnummer ersätts med en "
                "nyckelad hash och nyckeln får inte ligga i repot."
            )
        key = DEMO_PSEUDONYM_KEY
    elif len(key) < 16 and not demo_mode:
        raise ConfigurationError("PSEUDONYM_KEY är för kort: använd minst 16 tecken.")
    return Settings(
        landing_dir=landing_dir,
        duckdb_path=duckdb_path,
        publish_dir=publish_dir,
        pseudonym_key=key.encode("utf-8"),
        demo_mode=demo_mode,
        duckdb_memory_limit=env.get("DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT,
    )
