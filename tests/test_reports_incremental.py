"""Reports are written again only when what they show can have changed, and many are written in parallel."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from test_reports import MUNICIPALITY, write_publication

from orchestration.reports import main
from orchestration.reports.inputs import PARTS_FILE, STATE_FILE

OTHER = "1490"


def _with_second_municipality(publish_dir: Path) -> Path:
    """The test publication plus a copy of its municipality under another code and name."""
    write_publication(publish_dir)
    with duckdb.connect() as connection:
        for path in sorted((publish_dir / "current" / "marts").glob("*.parquet")):
            columns = {row[0] for row in connection.execute(f"describe select * from '{path}'").fetchall()}
            if "municipality_id" not in columns:
                continue
            replaced = f"'{OTHER}' as municipality_id"
            if "municipality_name" in columns:
                replaced += ", 'Kopieköping' as municipality_name"
            temporary = path.with_suffix(".tmp")
            connection.execute(
                f"copy (select * from '{path}' union all select * replace ({replaced}) from '{path}' "
                f"where municipality_id = '{MUNICIPALITY}') to '{temporary}' (format parquet)"
            )
            os.replace(temporary, path)
    return publish_dir


def _new_version(
    publish_dir: Path, name: str, change_sql: str, file: str = "marts/fct_metric_values.parquet"
) -> None:
    """Publish a new version the way the publish step does: a copy with one file of the metric values
    changed (and its sha256 in the manifest, where there is one), then swap current."""
    old = (publish_dir / "current").resolve()
    new = old.parent / name
    shutil.copytree(old, new)
    path = new / file
    temporary = path.with_suffix(".tmp")
    with duckdb.connect() as connection:
        connection.execute(f"create table metric_values as select * from '{path}'")
        connection.execute(change_sql)
        connection.execute(f"copy metric_values to '{temporary}' (format parquet)")
    os.replace(temporary, path)
    manifest = new / "manifest.json"
    if manifest.exists():
        content = json.loads(manifest.read_text(encoding="utf-8"))
        for listed in content["tables"]["fct_metric_values"]["files"]:
            if listed["path"] == file:
                listed["sha256"] = _sha256(path)
        manifest.write_text(json.dumps(content), encoding="utf-8")
    (publish_dir / "current").unlink()
    (publish_dir / "current").symlink_to(Path("versions") / name)


def _run(publish_dir: Path, out: Path, *extra: str) -> int:
    return main(["--publish-dir", str(publish_dir), "--out", str(out), *extra])


def _stamps(out: Path) -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in out.glob("*.html")}


@pytest.fixture
def publication(tmp_path: Path) -> Path:
    return _with_second_municipality(tmp_path / "published")


def test_a_rerun_with_nothing_new_writes_no_report(publication: Path, tmp_path: Path, capsys):
    out = tmp_path / "reports"
    assert _run(publication, out) == 0
    assert "2 skrivna, 0 oförändrade" in capsys.readouterr().out
    before = _stamps(out)
    assert sorted(before) == [f"nyckeltal_{MUNICIPALITY}_2024.html", f"nyckeltal_{OTHER}_2024.html"]
    assert sorted(json.loads((out / STATE_FILE).read_text(encoding="utf-8"))) == sorted(before)

    assert _run(publication, out) == 0
    assert "0 skrivna, 2 oförändrade" in capsys.readouterr().out
    assert _stamps(out) == before


def test_a_changed_figure_rewrites_only_that_municipalitys_report(publication: Path, tmp_path: Path, capsys):
    out = tmp_path / "reports"
    assert _run(publication, out) == 0
    before = _stamps(out)
    _new_version(
        publication,
        "20250201T000000.000000Z",
        f"update metric_values set value = value * 2 "
        f"where municipality_id = '{OTHER}' and metric_id = 'personnel_costs' and year = 2024",
    )
    capsys.readouterr()
    assert _run(publication, out) == 0
    assert "1 skrivna, 1 oförändrade" in capsys.readouterr().out
    after = _stamps(out)
    assert after[f"nyckeltal_{MUNICIPALITY}_2024.html"] == before[f"nyckeltal_{MUNICIPALITY}_2024.html"]
    assert after[f"nyckeltal_{OTHER}_2024.html"] != before[f"nyckeltal_{OTHER}_2024.html"]


def test_figures_of_a_later_year_leave_the_reports_of_earlier_years_alone(publication: Path, tmp_path: Path, capsys):
    out = tmp_path / "reports"
    assert _run(publication, out) == 0
    before = _stamps(out)
    # One month of the next year: 2024 stays the latest complete year, and its report shows nothing of 2025.
    _new_version(
        publication,
        "20250201T000000.000000Z",
        "insert into metric_values select * replace (2025 as year, '2025-01' as period) from metric_values "
        "where year = 2024 and period_type = 'month' and period = '2024-01'",
    )
    capsys.readouterr()
    assert _run(publication, out) == 0
    assert "0 skrivna, 2 oförändrade" in capsys.readouterr().out
    assert _stamps(out) == before


def test_a_deleted_report_is_written_again_and_force_rewrites_all(publication: Path, tmp_path: Path, capsys):
    out = tmp_path / "reports"
    assert _run(publication, out) == 0
    (out / f"nyckeltal_{OTHER}_2024.html").unlink()
    capsys.readouterr()
    assert _run(publication, out) == 0
    assert "1 skrivna, 1 oförändrade" in capsys.readouterr().out
    assert _run(publication, out, "--force") == 0
    assert "2 skrivna, 0 oförändrade" in capsys.readouterr().out


def test_worker_processes_write_the_same_reports_as_one_process(publication: Path, tmp_path: Path, capsys):
    assert _run(publication, tmp_path / "parallel", "--workers", "2") == 0
    assert _run(publication, tmp_path / "serial", "--workers", "1") == 0
    parallel = sorted((tmp_path / "parallel").glob("*.html"))
    assert [path.name for path in parallel] == [f"nyckeltal_{MUNICIPALITY}_2024.html", f"nyckeltal_{OTHER}_2024.html"]
    for path in parallel:
        assert path.read_bytes() == (tmp_path / "serial" / path.name).read_bytes()
    assert "Kopieköping" in (tmp_path / "parallel" / f"nyckeltal_{OTHER}_2024.html").read_text(encoding="utf-8")


def _in_year_parts(publish_dir: Path) -> Path:
    """The metric values as the publish step writes them: one Parquet file per year, listed in manifest.json."""
    version = (publish_dir / "current").resolve()
    single = version / "marts" / "fct_metric_values.parquet"
    folder = version / "marts" / "fct_metric_values"
    folder.mkdir()
    files = []
    with duckdb.connect() as connection:
        years = [row[0] for row in connection.execute(f"select distinct year from '{single}' order by 1").fetchall()]
        for year in years:
            path = folder / f"fct_metric_values_{year}.parquet"
            connection.execute(f"copy (select * from '{single}' where year = {year}) to '{path}' (format parquet)")
            files.append({"path": str(path.relative_to(version)), "part": year, "sha256": _sha256(path)})
    single.unlink()
    manifest = {"tables": {"fct_metric_values": {"partitioned_by": "year", "files": files}}}
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return publish_dir


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _parts_cache(out: Path) -> dict[str, list]:
    return json.loads((out / PARTS_FILE).read_text(encoding="utf-8"))["parts"]


def test_year_parts_summed_before_are_not_read_again(publication: Path, tmp_path: Path, capsys):
    parts = _in_year_parts(publication)
    manifest = json.loads((parts / "current" / "manifest.json").read_text(encoding="utf-8"))
    hashes = {file["part"]: file["sha256"] for file in manifest["tables"]["fct_metric_values"]["files"]}
    out = tmp_path / "reports"
    assert _run(parts, out) == 0
    assert "2 skrivna, 0 oförändrade" in capsys.readouterr().out
    assert sorted(_parts_cache(out)) == sorted(hashes.values())
    # Summed from the cache, the same figures give the same fingerprints as read from the files.
    assert _run(parts, out) == 0
    assert "0 skrivna, 2 oförändrade" in capsys.readouterr().out

    # The cache is what is read for a part whose file is unchanged: a sum changed there shows.
    cache = json.loads((out / PARTS_FILE).read_text(encoding="utf-8"))
    for row in cache["parts"][hashes[2024]]:
        if row[0] == OTHER:
            row[4] = "0"
    (out / PARTS_FILE).write_text(json.dumps(cache), encoding="utf-8")
    assert _run(parts, out) == 0
    assert "1 skrivna, 1 oförändrade" in capsys.readouterr().out


def test_a_changed_year_part_is_summed_again(publication: Path, tmp_path: Path, capsys):
    parts = _in_year_parts(publication)
    out = tmp_path / "reports"
    assert _run(parts, out) == 0
    before = _stamps(out)
    part = "marts/fct_metric_values/fct_metric_values_2024.parquet"
    old_hash = _sha256(parts / "current" / part)
    _new_version(
        parts,
        "20250201T000000.000000Z",
        f"update metric_values set value = value * 2 where municipality_id = '{OTHER}' and metric_id = 'personnel_costs'",
        file=part,
    )
    capsys.readouterr()
    assert _run(parts, out) == 0
    assert "1 skrivna, 1 oförändrade" in capsys.readouterr().out
    assert _stamps(out)[f"nyckeltal_{OTHER}_2024.html"] != before[f"nyckeltal_{OTHER}_2024.html"]
    assert old_hash not in _parts_cache(out) and _sha256(parts / "current" / part) in _parts_cache(out)
