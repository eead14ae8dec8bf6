"""The generated report and the dbt docs site, opened in a real browser
(headless Chromium over the DevTools protocol).

Checks that the pages render without console errors and without fetching
anything from the network, and leaves full-page screenshots for a person to
look at in data/report-screenshots/.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from test_reports import MUNICIPALITY, write_publication

from orchestration.dbt_docs import generate_docs
from orchestration.reports import build_report
from orchestration.settings import DBT_PROJECT_DIR, load_settings

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
SCREENSHOT_DIR = Path(__file__).resolve().parent.parent / "data" / "report-screenshots"
STARTUP_GUARD_SECONDS = 30
EVENT_GUARD_SECONDS = 60
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)

PAGE_FACTS = """
(() => {
  const ids = new Set([...document.querySelectorAll('[id]')].map(element => element.id));
  const tables = [...document.querySelectorAll('table')];
  return {
    title: document.title,
    lang: document.documentElement.lang,
    sections: [...document.querySelectorAll('main > section > h2')].map(h => h.textContent.trim()),
    tables: tables.length,
    tablesWithoutCaption: tables.filter(table => !table.querySelector(':scope > caption')).length,
    charts: document.querySelectorAll('figure svg[role="img"]').length,
    chartsDrawn: [...document.querySelectorAll('figure svg')].filter(svg => svg.getBBox().width > 100).length,
    brokenLinks: [...document.querySelectorAll('a[href^="#"]')]
      .map(a => a.getAttribute('href').slice(1)).filter(id => !ids.has(id)),
    duplicateIds: document.querySelectorAll('[id]').length - ids.size,
    rowsWithDefinition: document.querySelectorAll('tr[title][data-metric]').length,
    suppressedCells: document.querySelectorAll('td.suppressed').length,
    height: document.documentElement.scrollHeight,
  };
})()
"""


def find_chromium() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def is_external(url: str) -> bool:
    """Anything but a local file or inline data, including protocol-relative
    URLs (`//cdn…`) that a page opened from disk turns into file://cdn…/."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in ("data", "about", "blob"):
        return False
    return parts.scheme != "file" or parts.netloc not in ("", "localhost")


@dataclass
class PageReport:
    facts: dict
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)


class DevTools:
    """A minimal DevTools-protocol client over one page's websocket."""

    def __init__(self, socket) -> None:
        self.socket = socket
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params: object) -> dict:
        self.next_id += 1
        request_id = self.next_id
        self.socket.send(json.dumps({"id": request_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=EVENT_GUARD_SECONDS))
            if message.get("id") == request_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str) -> dict:
        for index, message in enumerate(self.events):
            if message.get("method") == event:
                return self.events.pop(index)
        while True:
            message = json.loads(self.socket.recv(timeout=EVENT_GUARD_SECONDS))
            if message.get("method") == event:
                return message
            self.events.append(message)


@contextmanager
def chromium_page(executable: str) -> Iterator[DevTools]:
    profile = Path(tempfile.mkdtemp(prefix="omsorgslager-chromium-"))
    process = subprocess.Popen(
        [executable, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Chromium writes the port it chose (port 0 = any free one) to this file.
        active_port = profile / "DevToolsActivePort"
        deadline = time.monotonic() + STARTUP_GUARD_SECONDS
        while not active_port.exists() or not active_port.read_text().strip():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Chromium did not start (exit code {process.poll()})")
            time.sleep(0.1)
        port = int(active_port.read_text().splitlines()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=STARTUP_GUARD_SECONDS) as response:
            targets = json.load(response)
        page = next(target for target in targets if target["type"] == "page")
        from websockets.sync.client import connect

        with connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=STARTUP_GUARD_SECONDS) as socket:
            yield DevTools(socket)
    finally:
        process.terminate()
        try:
            process.wait(timeout=STARTUP_GUARD_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)


def open_report(executable: str, html: Path, screenshot: Path, facts_expression: str = PAGE_FACTS) -> PageReport:
    with chromium_page(executable) as page:
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        page.call("Emulation.setDeviceMetricsOverride", width=1280, height=4000, deviceScaleFactor=1, mobile=False)
        page.call("Page.navigate", url=html.resolve().as_uri())
        page.wait_for("Page.loadEventFired")
        facts = page.call("Runtime.evaluate", expression=facts_expression, returnByValue=True)["result"]["value"]
        height = min(int(facts["height"]), 30000)
        shot = page.call(
            "Page.captureScreenshot",
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1},
        )
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        report = PageReport(facts)
        for event in page.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                report.console_errors.append(json.dumps(params.get("args"), ensure_ascii=False))
            elif method == "Runtime.exceptionThrown":
                report.console_errors.append(json.dumps(params.get("exceptionDetails"), ensure_ascii=False))
            elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
                report.console_errors.append(params["entry"].get("text", ""))
            elif method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if is_external(url):
                    report.external_requests.append(url)
        return report


@pytest.fixture(scope="module")
def chromium() -> str:
    executable = find_chromium()
    if executable is None:
        pytest.skip("Chromium finns inte på den här datorn (CI installerar paketet chromium); testet hoppas över.")
    try:
        import websockets.sync.client  # noqa: F401
    except ImportError:
        pytest.skip("Python-paketet websockets saknas (följer med dagster-webserver); webbläsartestet hoppas över.")
    return executable


@pytest.mark.browser
def test_report_renders_in_chromium_without_errors_or_network(chromium: str, tmp_path: Path):
    publication = write_publication(tmp_path / "published")
    html = build_report(publication, MUNICIPALITY, 2024, tmp_path / "reports")
    screenshot = SCREENSHOT_DIR / f"{html.stem}.fixture.png"

    report = open_report(chromium, html, screenshot)

    facts = report.facts
    print(f"Skärmbild: {screenshot}")
    assert report.console_errors == []
    assert report.external_requests == []
    assert facts["lang"] == "sv"
    assert facts["title"] == "Nyckeltal 2024 – Alingsås"
    assert facts["sections"] == ["Effektivitet", "Personal", "Ekonomi", "Kvalitet", "Mål", "Definitioner"]
    assert facts["tables"] >= 8
    assert facts["tablesWithoutCaption"] == 0
    assert facts["charts"] >= 4
    assert facts["chartsDrawn"] == facts["charts"]
    assert facts["brokenLinks"] == []
    assert facts["duplicateIds"] == 0
    assert facts["rowsWithDefinition"] > 40
    # The fixture's rehab department has 4 people: its sick leave is hidden.
    assert facts["suppressedCells"] >= 3
    assert screenshot.stat().st_size > 50_000


DOCS_FACTS = """
(() => ({
  title: document.title,
  text: document.body.innerText,
  height: document.documentElement.scrollHeight,
}))()
"""
# dbt's own docs page asks for icon URLs before Angular fills them in
# ({{ getIcon(...) }}, relative, so local and harmless).
DBT_DOCS_KNOWN_NOISE = ("getIcon(", "ERR_FILE_NOT_FOUND")


@pytest.mark.browser
def test_dbt_docs_site_opens_offline(chromium: str, tmp_path: Path):
    settings = load_settings({"DUCKDB_PATH": str(tmp_path / "no-warehouse-yet" / "warehouse.duckdb")})
    index = generate_docs(settings, tmp_path / "docs")
    screenshot = SCREENSHOT_DIR / "dbt-docs.png"

    report = open_report(chromium, index, screenshot, DOCS_FACTS)

    print(f"Skärmbild: {screenshot}")
    assert report.external_requests == []
    assert [
        message for message in report.console_errors if not any(noise in message for noise in DBT_DOCS_KNOWN_NOISE)
    ] == []
    assert report.facts["title"] == "dbt Docs"
    assert "omsorgslager" in report.facts["text"]
    assert not (tmp_path / "no-warehouse-yet" / "warehouse.duckdb").exists()
    if (DBT_PROJECT_DIR / "models" / "overview.md").exists():
        assert "Welcome to the auto-generated documentation" not in report.facts["text"]


def _publish_from_warehouse(warehouse: Path, publish_dir: Path) -> Path:
    """The sample's marts in the publish step's layout (versions/<v>/marts/*.parquet, current → it)."""
    import duckdb

    marts = publish_dir / "versions" / "sample" / "marts"
    marts.mkdir(parents=True)
    # dbt, run in this process by the sample_warehouse fixture, keeps the file open read-write,
    # and DuckDB lets one process open a file only with one configuration.
    with duckdb.connect(str(warehouse)) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
        for (table,) in tables:
            connection.execute(f"copy marts.{table} to '{marts / (table + '.parquet')}' (format parquet)")
    (publish_dir / "current").symlink_to(Path("versions") / "sample")
    return publish_dir


@pytest.mark.browser
@pytest.mark.pipeline
def test_reports_on_the_shipped_sample_render_in_chromium(chromium: str, tmp_path: Path, request):
    from orchestration.reports.build import main
    from orchestration.settings import SAMPLE_LANDING_DIR

    if not any(SAMPLE_LANDING_DIR.glob("*.csv")):
        pytest.skip(f"Exemplet är inte levererat ännu: inga CSV-filer i {SAMPLE_LANDING_DIR}.")
    warehouse = request.getfixturevalue("sample_warehouse")
    publication = _publish_from_warehouse(warehouse, tmp_path / "published")
    out = tmp_path / "reports"
    assert main(["--publish-dir", str(publication), "--out", str(out)]) == 0
    reports = sorted(out.glob("nyckeltal_*.html"))
    assert [path.name.split("_")[1] for path in reports] == ["1440", "1489"]
    for html in reports:
        screenshot = SCREENSHOT_DIR / f"{html.stem}.png"
        report = open_report(chromium, html, screenshot)
        print(f"Skärmbild: {screenshot}")
        facts = report.facts
        assert report.console_errors == []
        assert report.external_requests == []
        assert facts["sections"] == ["Effektivitet", "Personal", "Ekonomi", "Kvalitet", "Mål", "Definitioner"]
        assert facts["tablesWithoutCaption"] == 0
        assert facts["tables"] >= 10
        assert facts["charts"] >= 6
        assert facts["chartsDrawn"] == facts["charts"]
        assert facts["brokenLinks"] == []
        assert facts["duplicateIds"] == 0
