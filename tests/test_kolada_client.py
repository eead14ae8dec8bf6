"""Kolada client against a real HTTP server on 127.0.0.1 serving the shipped sample's pages."""

from __future__ import annotations

import functools
import json
import os
import threading
from collections import defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests

from orchestration.defs.ingest.kolada_client import (
    MAX_IDS_PER_SEGMENT,
    KoladaClient,
    KoladaError,
    KoladaPageError,
    KoladaRequestError,
    OfflineKoladaClient,
    RetryPolicy,
    fetch_to_landing,
    main,
    parse_years,
)
from orchestration.settings import SAMPLE_LANDING_DIR

SAMPLE = SAMPLE_LANDING_DIR / "kolada"
FIXTURES = Path(__file__).parent / "fixtures" / "kolada_http"
PUBLIC_PREFIX = b"https://api.kolada.se/v3/"
YEARS = list(range(2016, 2023))
RECORDED_PER_PAGE = "1000"


@functools.cache
def sample_pages(kpi: str) -> list[bytes]:
    files = sorted(
        (SAMPLE / "data").glob(f"{kpi}*.json"),
        key=lambda path: 1 if path.name == f"{kpi}.json" else int(path.name.split(".page")[1].split(".")[0]),
    )
    return [path.read_bytes() for path in files]


@functools.cache
def sample_items(kpi: str) -> list[dict]:
    return [item for body in sample_pages(kpi) for item in json.loads(body)["values"]]


class FakeKolada(ThreadingHTTPServer):
    """Serves recorded sample pages (next_url rewritten to this server) and filtered pages built from them.

    `faults[(path, page)]` holds what to do instead of answering, one entry per request:
    an int status, ("429", seconds), "timeout", "cut" (close mid-body) or bytes to send as the page.
    """

    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), KoladaHandler)
        self.prefix = f"http://127.0.0.1:{self.server_address[1]}/v3/"
        self.faults: dict[tuple[str, int], deque] = defaultdict(deque)
        self.seen: list[str] = []
        self.sent: list[tuple[str, bytes]] = []
        self.release = threading.Event()
        self._recorded: dict[tuple[str, int], bytes] = {}

    def rewrite(self, body: bytes) -> bytes:
        return body.replace(PUBLIC_PREFIX, self.prefix.encode())

    def recorded_page(self, path: str, page: int) -> bytes | None:
        parts = path.split("/")
        if len(parts) == 7 and parts[2:4] == ["data", "kpi"] and parts[5] == "year":
            kpi = parts[4]
            for number, body in enumerate(sample_pages(kpi), start=1):
                first = json.loads(body)
                recorded_path = urlsplit(first["next_url"] or first["previous_url"] or "").path
                self._recorded[(recorded_path, number)] = self.rewrite(body)
        elif path in ("/v3/municipality", "/v3/municipality_groups"):
            self._recorded[(path, 1)] = (SAMPLE / f"{path.rsplit('/', 1)[1]}.json").read_bytes()
        return self._recorded.get((path, page))

    def filtered_page(self, path: str, page: int, per_page: int) -> bytes | None:
        parts = [unquote(part) for part in path.split("/")]
        if parts[2:4] == ["data", "kpi"] and parts[-2] == "year" and len(parts) in (7, 9):
            municipalities = set(parts[6].split(",")) if len(parts) == 9 else None
            years = set(parts[-1].split(","))
            items = [
                item
                for kpi in parts[4].split(",")
                for item in sample_items(kpi)
                if (municipalities is None or item["municipality"] in municipalities) and str(item["period"]) in years
            ]
        elif len(parts) == 4 and parts[2] == "kpi":
            ids = set(parts[3].split(","))
            items = [item for item in json.loads((SAMPLE / "kpi.json").read_bytes())["values"] if item["id"] in ids]
        else:
            return None
        values = items[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(items)
        link = f"{self.prefix}{path.removeprefix('/v3/')}?page={{}}&per_page={per_page}"
        envelope = {
            "values": values,
            "count": len(values),
            "next_url": link.format(page + 1) if more else None,
            "previous_url": link.format(page - 1) if page > 1 else None,
        }
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()

    def data_requests(self, kpi: str) -> list[str]:
        return [path for path in self.seen if path.startswith(f"/v3/data/kpi/{kpi}/")]


class KoladaHandler(BaseHTTPRequestHandler):
    server: FakeKolada

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        page = int(query.get("page", ["1"])[0])
        per_page = int(query.get("per_page", ["5000"])[0])
        server.seen.append(self.path)
        faults = server.faults[(split.path, page)]
        fault = faults.popleft() if faults else None
        if fault == "timeout":
            server.release.wait(10)
            return
        if isinstance(fault, int):
            return self.answer(fault, b"<html>Internal Server Error</html>")
        if isinstance(fault, tuple):
            return self.answer(429, b"Too Many Requests", {"Retry-After": str(fault[1])})
        body = fault if isinstance(fault, bytes) else None
        if body is None:
            body = server.recorded_page(split.path, page)
            if body is not None and split.path.startswith("/v3/data/") and query.get("per_page") != [RECORDED_PER_PAGE]:
                return self.answer(400, b"recorded pages exist for per_page=1000 only")
        if body is None:
            body = server.filtered_page(split.path, page, per_page)
        if body is None:
            return self.answer(404, b'{"error": "not found"}')
        if fault == "cut":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            return
        server.sent.append((self.path, body))
        self.answer(200, body)

    def answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def kolada():
    server = FakeKolada()
    # A short poll interval keeps shutdown quick; nothing in the tests depends on timing.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    for path in server.seen:
        for segment in urlsplit(path).path.split("/"):
            assert segment.count(",") < MAX_IDS_PER_SEGMENT, path


@pytest.fixture
def session():
    # No proxy from the environment: every request must go straight to 127.0.0.1.
    with requests.Session() as local:
        local.trust_env = False
        yield local


@pytest.fixture
def sleeps() -> list[float]:
    return []


def fetch(kolada: FakeKolada, landing: Path, session, sleeps, kpis=("N20029",), **options):
    options.setdefault("per_page", 1000)
    options.setdefault("include_metadata", False)
    return fetch_to_landing(
        landing, list(kpis), YEARS, base_url=kolada.prefix, session=session, sleep=sleeps.append, **options
    )


def landing_files(landing: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(landing)): path.read_bytes()
        for path in sorted(landing.rglob("*"))
        if path.is_file()
    }


def test_follows_next_url_and_saves_the_bytes_received(kolada, session, sleeps, tmp_path):
    summary = fetch(kolada, tmp_path, session, sleeps, kpis=["N20029", "U21468"])

    assert [path.split("?")[1] for path in kolada.data_requests("N20029")] == [
        "per_page=1000",
        "page=2&per_page=1000",
        "page=3&per_page=1000",
    ]
    data = tmp_path / "kolada" / "data"
    assert sorted(path.name for path in data.iterdir()) == [
        "N20029.json",
        "N20029.page2.json",
        "N20029.page3.json",
        "U21468.json",
        "U21468.page2.json",
    ]
    sent = {path: body for path, body in kolada.sent}
    for kpi, names in {"N20029": ["N20029.json", "N20029.page2.json", "N20029.page3.json"]}.items():
        bodies = [sent[path] for path in kolada.data_requests(kpi)]
        assert [(data / name).read_bytes() for name in names] == bodies
    assert summary.items == {"N20029": 2037, "U21468": 1746}
    assert summary.pages == 5
    assert sleeps == []
    assert json.loads((data / "N20029.json").read_bytes())["next_url"].startswith(kolada.prefix)


def test_metadata_pages_are_saved_unchanged(kolada, session, sleeps, tmp_path):
    summary = fetch(kolada, tmp_path, session, sleeps, kpis=["N20029", "U20900"], include_metadata=True)

    kolada_dir = tmp_path / "kolada"
    for name in ("municipality.json", "municipality_groups.json"):
        assert (kolada_dir / name).read_bytes() == (SAMPLE / name).read_bytes()
    assert [item["id"] for item in json.loads((kolada_dir / "kpi.json").read_bytes())["values"]] == [
        "N20029",
        "U20900",
    ]
    assert summary.items["municipality"] == 312
    assert summary.items["municipality_groups"] == 3630


def test_splits_more_than_25_kpi_ids_into_several_requests(kolada, session, sleeps):
    ids = [item["id"] for item in json.loads((SAMPLE / "kpi.json").read_bytes())["values"]]
    assert len(ids) > MAX_IDS_PER_SEGMENT

    items = KoladaClient(kolada.prefix, session=session, sleep=sleeps.append).kpis(ids)

    kpi_requests = [urlsplit(path).path for path in kolada.seen]
    assert [len(path.rsplit("/", 1)[1].split(",")) for path in kpi_requests] == [25, len(ids) - 25]
    assert sorted(item["id"] for item in items) == sorted(ids)


def test_splits_municipality_ids_and_numbers_pages_across_requests(kolada, session, sleeps, tmp_path):
    municipalities = sorted({item["municipality"] for item in sample_items("N20029")} - {"0000"})[:30]

    summary = fetch(kolada, tmp_path, session, sleeps, municipalities=municipalities, per_page=100)

    segments = [urlsplit(path).path.split("/")[6].split(",") for path in kolada.data_requests("N20029")]
    assert [len(segment) for segment in segments] == [25, 25, 5]
    assert segments[0] + segments[2] == municipalities
    data = tmp_path / "kolada" / "data"
    assert sorted(path.name for path in data.iterdir()) == ["N20029.json", "N20029.page2.json", "N20029.page3.json"]
    assert [(data / name).read_bytes() for name in ("N20029.json", "N20029.page2.json", "N20029.page3.json")] == [
        body for _, body in kolada.sent
    ]
    expected = [item for item in sample_items("N20029") if item["municipality"] in municipalities]
    assert summary.items["N20029"] == len(expected) == 30 * 7
    saved = OfflineKoladaClient(tmp_path).data(["N20029"], YEARS)
    assert sorted(saved, key=json.dumps) == sorted(expected, key=json.dumps)


def test_retries_after_a_server_error(kolada, session, sleeps, tmp_path):
    kolada.faults[("/v3/data/kpi/N20029/year/2016,2017,2018,2019,2020,2021,2022", 2)].append(500)

    summary = fetch(kolada, tmp_path, session, sleeps)

    assert summary.items["N20029"] == 2037
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 1.0
    assert len(kolada.data_requests("N20029")) == 4
    assert (tmp_path / "kolada" / "data" / "N20029.page2.json").read_bytes() == kolada.sent[1][1]


def test_429_waits_as_long_as_retry_after_says(kolada, session, sleeps, tmp_path):
    kolada.faults[("/v3/data/kpi/N20029/year/2016,2017,2018,2019,2020,2021,2022", 1)].append(("429", 7))

    summary = fetch(kolada, tmp_path, session, sleeps)

    assert summary.items["N20029"] == 2037
    assert len(sleeps) == 1 and 7 <= sleeps[0] < 8


def test_a_retry_after_beyond_the_limit_fails_at_once(kolada, session, sleeps):
    kolada.faults[("/v3/municipality", 1)].append(("429", 86400))

    with pytest.raises(KoladaRequestError, match=r"86400 s \(Retry-After\) innan http://127\.0\.0\.1:\d+/v3/muni"):
        KoladaClient(kolada.prefix, session=session, sleep=sleeps.append).municipalities()
    assert sleeps == []


def test_retries_after_a_timeout(kolada, session, sleeps, tmp_path):
    kolada.faults[("/v3/data/kpi/N20029/year/2016,2017,2018,2019,2020,2021,2022", 3)].append("timeout")

    # Long enough that a page served normally never times out on a busy machine (0.3 s did, once in
    # CI): only the page held back by the fault may.
    summary = fetch(kolada, tmp_path, session, sleeps, timeout=(5.0, 2.0))

    assert summary.items["N20029"] == 2037
    assert len(sleeps) == 1
    assert (tmp_path / "kolada" / "data" / "N20029.page3.json").is_file()


def test_retries_a_connection_closed_mid_page(kolada, session, sleeps, tmp_path):
    kolada.faults[("/v3/data/kpi/N20029/year/2016,2017,2018,2019,2020,2021,2022", 1)].append("cut")

    summary = fetch(kolada, tmp_path, session, sleeps)

    assert summary.items["N20029"] == 2037
    assert len(sleeps) == 1
    assert (tmp_path / "kolada" / "data" / "N20029.json").read_bytes() == kolada.sent[0][1]


def test_gives_up_after_the_last_attempt_naming_the_url(kolada, session, sleeps, tmp_path):
    path = "/v3/data/kpi/N20029/year/2016,2017,2018,2019,2020,2021,2022"
    kolada.faults[(path, 1)].extend([503] * 4)

    with pytest.raises(KoladaRequestError) as failure:
        fetch(kolada, tmp_path, session, sleeps, retry=RetryPolicy(attempts=4, base_delay=2.0))

    assert f"{kolada.prefix}data/kpi/N20029/year/2016,2017,2018,2019,2020,2021,2022?per_page=1000" in str(failure.value)
    assert "4 försök" in str(failure.value) and "HTTP 503" in str(failure.value)
    assert len(sleeps) == 3
    assert [1.0 <= sleeps[0] <= 2.0, 2.0 <= sleeps[1] <= 4.0, 4.0 <= sleeps[2] <= 8.0] == [True] * 3
    assert landing_files(tmp_path) == {}


def test_client_errors_are_not_retried(kolada, session, sleeps, tmp_path):
    kolada.faults[("/v3/data/kpi/N20029/year/2016,2017,2018,2019,2020,2021,2022", 1)].append(404)

    with pytest.raises(KoladaRequestError, match=r"HTTP 404 för http://127\.0\.0\.1:\d+/v3/data/kpi/N20029/"):
        fetch(kolada, tmp_path, session, sleeps)
    assert sleeps == []
    assert len(kolada.seen) == 1


@pytest.mark.parametrize(
    ("fixture", "complaint"),
    [("truncated_page.json", "inte giltig JSON"), ("v2_envelope.json", "saknar kuvertfälten next_url")],
)
def test_refuses_a_broken_page_and_saves_nothing(kolada, session, sleeps, tmp_path, fixture, complaint):
    fetch(kolada, tmp_path, session, sleeps, kpis=["N20029", "U20900"])
    before = landing_files(tmp_path)
    kolada.faults[("/v3/data/kpi/U20900/year/2016,2017,2018,2019,2020,2021,2022", 2)].append(
        (FIXTURES / fixture).read_bytes()
    )

    with pytest.raises(KoladaPageError) as failure:
        fetch(kolada, tmp_path, session, sleeps, kpis=["N20029", "U20900"])

    assert complaint in str(failure.value)
    assert "/v3/data/kpi/U20900/year/2016,2017,2018,2019,2020,2021,2022?page=2&per_page=1000" in str(failure.value)
    assert landing_files(tmp_path) == before
    assert sleeps == []


def test_refuses_a_broken_page_in_an_empty_landing_folder(kolada, session, sleeps, tmp_path):
    kolada.faults[("/v3/municipality", 1)].append((FIXTURES / "truncated_page.json").read_bytes())

    with pytest.raises(KoladaPageError, match="municipality"):
        fetch(kolada, tmp_path, session, sleeps, include_metadata=True)

    assert landing_files(tmp_path) == {}


def test_offline_returns_the_same_items_as_online(kolada, session, sleeps, tmp_path):
    kpis = ["N21704", "U23401"]
    online = KoladaClient(kolada.prefix, per_page=1000, session=session, sleep=sleeps.append)
    online_summary = fetch(kolada, tmp_path, session, sleeps, kpis=kpis, include_metadata=True)

    for offline in (OfflineKoladaClient(tmp_path), OfflineKoladaClient(SAMPLE_LANDING_DIR)):
        for kpi in kpis:
            assert offline.data([kpi], YEARS) == online.data([kpi], YEARS)
        # One request for both KPIs: the server decides the order, so compare as sets.
        assert sorted(offline.data(kpis, YEARS), key=json.dumps) == sorted(online.data(kpis, YEARS), key=json.dumps)
        assert offline.municipalities() == online.municipalities()
    assert OfflineKoladaClient(SAMPLE_LANDING_DIR).kpis(["U23401", "N21704"]) == online.kpis(["N21704", "U23401"])

    before = landing_files(tmp_path)
    offline_summary = fetch_to_landing(tmp_path, kpis, YEARS, offline=True)
    assert offline_summary.items == online_summary.items
    assert offline_summary.pages == online_summary.pages
    assert offline_summary.files_written == []
    assert landing_files(tmp_path) == before


def test_offline_narrows_to_the_years_and_municipalities_asked_for():
    items = OfflineKoladaClient(SAMPLE_LANDING_DIR).data(["N21704"], [2016, "2022"], ["1489", "0483"])

    assert {(item["municipality"], item["period"]) for item in items} == {
        ("1489", 2016),
        ("1489", 2022),
        ("0483", 2016),
        ("0483", 2022),
    }


def test_offline_refuses_a_broken_saved_page_naming_the_file(tmp_path):
    data = tmp_path / "kolada" / "data"
    data.mkdir(parents=True)
    for number, body in enumerate(sample_pages("N20029"), start=1):
        (data / ("N20029.json" if number == 1 else f"N20029.page{number}.json")).write_bytes(body)
    broken = data / "N20029.page2.json"
    broken.write_bytes(broken.read_bytes()[:5000])

    with pytest.raises(KoladaPageError, match=f"{broken}.*inte giltig JSON"):
        OfflineKoladaClient(tmp_path).data(["N20029"], YEARS)


def test_offline_notices_a_missing_last_page(tmp_path):
    data = tmp_path / "kolada" / "data"
    data.mkdir(parents=True)
    first, second, _ = sample_pages("N20029")
    (data / "N20029.json").write_bytes(first)
    (data / "N20029.page2.json").write_bytes(second)

    with pytest.raises(KoladaError, match=r"N20029\.page3\.json saknas"):
        OfflineKoladaClient(tmp_path).data(["N20029"], YEARS)


def test_rerunning_a_fetch_changes_nothing(kolada, session, sleeps, tmp_path):
    first = fetch(kolada, tmp_path, session, sleeps, kpis=["N20029", "U21468"], include_metadata=True)
    before = {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*")}
    contents = landing_files(tmp_path)

    second = fetch(kolada, tmp_path, session, sleeps, kpis=["N20029", "U21468"], include_metadata=True)

    assert second.files_written == [] and second.files_removed == []
    assert sorted(second.files_unchanged) == sorted(first.files_written)
    assert {path: path.stat().st_mtime_ns for path in tmp_path.rglob("*")} == before
    assert landing_files(tmp_path) == contents


def test_refetch_with_fewer_pages_removes_the_stale_tail(kolada, session, sleeps, tmp_path):
    municipalities = sorted({item["municipality"] for item in sample_items("N20029")} - {"0000"})[-30:]
    fetch(kolada, tmp_path, session, sleeps, municipalities=municipalities, per_page=100)
    data = tmp_path / "kolada" / "data"
    assert len(list(data.iterdir())) == 3

    summary = fetch(kolada, tmp_path, session, sleeps, municipalities=municipalities, per_page=1000)

    assert sorted(path.name for path in data.iterdir()) == ["N20029.json", "N20029.page2.json"]
    assert summary.files_removed == [data / "N20029.page3.json"]
    online = KoladaClient(kolada.prefix, session=session).data(["N20029"], YEARS, municipalities)
    assert OfflineKoladaClient(tmp_path).data(["N20029"], YEARS, municipalities) == online


def test_main_fetches_and_then_reads_offline(kolada, tmp_path, monkeypatch, capsys):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("KOLADA_BASE_URL", kolada.prefix)
    monkeypatch.delenv("LANDING_DIR", raising=False)

    assert main(["--kpis", "N20029", "--years", "2016-2022", "--landing", str(tmp_path), "--per-page", "1000"]) == 0
    assert "Kolada: 6 sidor" in capsys.readouterr().out
    assert sorted(path.name for path in (tmp_path / "kolada").rglob("*.json")) == [
        "N20029.json",
        "N20029.page2.json",
        "N20029.page3.json",
        "kpi.json",
        "municipality.json",
        "municipality_groups.json",
    ]

    requests_before = len(kolada.seen)
    assert main(["--offline", "--kpis", "N20029", "--years", "2016-2022", "--landing", str(tmp_path)]) == 0
    assert len(kolada.seen) == requests_before
    assert "Kolada: 6 sidor" in capsys.readouterr().out


def test_main_refuses_to_overwrite_the_shipped_sample(monkeypatch, capsys):
    monkeypatch.delenv("LANDING_DIR", raising=False)
    with pytest.raises(SystemExit):
        main(["--kpis", "N20029", "--landing", str(SAMPLE_LANDING_DIR)])
    assert "skrivs inte över" in capsys.readouterr().err


def test_main_reports_a_broken_saved_page(tmp_path, capsys):
    data = tmp_path / "kolada" / "data"
    data.mkdir(parents=True)
    (data / "N20029.json").write_bytes((FIXTURES / "truncated_page.json").read_bytes())

    assert main(["--offline", "--kpis", "N20029", "--landing", str(tmp_path)]) == 1
    assert f"{data / 'N20029.json'}" in capsys.readouterr().err


def test_parse_years_accepts_ranges_and_lists():
    assert parse_years("2016-2018,2022") == [2016, 2017, 2018, 2022]


def test_no_temp_files_are_left_behind(kolada, session, sleeps, tmp_path):
    fetch(kolada, tmp_path, session, sleeps)

    assert [path.name for path in tmp_path.rglob("*") if path.name.startswith(".")] == []
    assert os.listdir(tmp_path / "kolada") == ["data"]
