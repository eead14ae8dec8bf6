"""Kolada v3 API client that saves every response page unchanged into the landing folder.

The warehouse never reads the network: `fetch_to_landing` stores the API's own JSON pages
under `LANDING_DIR/kolada/` and the file loader reads them from there. With `offline=True`
(or `OfflineKoladaClient`) the same calls are answered from those saved pages, validated the
same way, so the pipeline and its tests run without network.

Landing layout written here (the one the file loader reads):

    kolada/data/<KPI>.json, <KPI>.page2.json, <KPI>.page3.json, ...
    kolada/kpi.json                  (+ kpi.page2.json, ... when more than one page)
    kolada/municipality.json         (+ .pageN.json likewise)
    kolada/municipality_groups.json  (+ .pageN.json likewise)

Data is requested one KPI per request so that every saved page holds items of one KPI only.
When one KPI still needs several requests (more than 25 municipality ids or years, which a
path segment cannot carry), its pages are numbered on across those requests in request order:
the first request's pages are `<KPI>.json`, `<KPI>.page2.json`, and the second request's first
page continues as `<KPI>.page3.json`. Reading every `.json`/`.pageN.json` of a stem therefore
yields every item. The same numbering applies to `kpi` when more than 25 KPI ids are asked for.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote, urljoin

import requests

from orchestration.settings import SAMPLE_LANDING_DIR

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.kolada.se/v3/"
BASE_URL_ENV = "KOLADA_BASE_URL"
MAX_PER_PAGE = 5000
# (connect, read) seconds; a 5000-item page can take a while to arrive.
DEFAULT_TIMEOUT = (10.0, 120.0)
MAX_IDS_PER_SEGMENT = 25
DEFAULT_YEARS = tuple(range(2016, 2023))
ENVELOPE_KEYS = ("values", "count", "next_url")
KPI_STEM = "kpi"
MUNICIPALITY_STEM = "municipality"
MUNICIPALITY_GROUPS_STEM = "municipality_groups"
# Kolada has no documented cap on paging; this guards against a server that keeps
# handing out next_url for ever.
MAX_PAGES_PER_REQUEST = 10_000

_PAGE_FILE = re.compile(r"^(?P<stem>.+?)(?:\.page(?P<number>\d+))?\.json$")


class KoladaError(RuntimeError):
    """Fetching or reading Kolada responses failed."""


class KoladaRequestError(KoladaError):
    """Kolada could not be reached, or answered with an error status, after all attempts."""


class KoladaPageError(KoladaError):
    """A response page is not a complete, valid Kolada v3 envelope."""


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with jitter for 429, 5xx, connection errors and timeouts."""

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    # A Retry-After longer than this is treated as "come back another day": fail instead of hanging.
    max_retry_after: float = 600.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        # Equal jitter: never less than half the exponential delay, so the backoff still grows,
        # but spread out so that several clients do not retry in lock step.
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass(frozen=True)
class Page:
    """One response page: the exact bytes received and the parsed envelope."""

    source: str
    body: bytes
    values: list
    next_url: str | None


@dataclass
class FetchSummary:
    landing_dir: Path
    offline: bool
    pages: int = 0
    items: dict[str, int] = field(default_factory=dict)
    files_written: list[Path] = field(default_factory=list)
    files_unchanged: list[Path] = field(default_factory=list)
    files_removed: list[Path] = field(default_factory=list)


def chunked(ids: Sequence[str], size: int = MAX_IDS_PER_SEGMENT) -> list[list[str]]:
    if size < 1:
        raise ValueError("chunk size must be positive")
    return [list(ids[start : start + size]) for start in range(0, len(ids), size)]


def parse_page(body: bytes, source: str) -> Page:
    """Validate one response page; `source` (URL or file) is named in every error."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KoladaPageError(f"Kolada-sidan {source} är inte UTF-8 (byte {exc.start}): sidan avvisas.") from exc
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KoladaPageError(
            f"Kolada-sidan {source} är inte giltig JSON (trunkerad eller trasig): {exc.msg} på rad "
            f"{exc.lineno}, kolumn {exc.colno} av {len(body)} byte. Sidan avvisas."
        ) from exc
    if not isinstance(payload, dict):
        raise KoladaPageError(f"Kolada-sidan {source} är inte ett JSON-objekt med values/count/next_url.")
    missing = [key for key in ENVELOPE_KEYS if key not in payload]
    if missing:
        raise KoladaPageError(f"Kolada-sidan {source} saknar kuvertfälten {', '.join(missing)}: sidan avvisas.")
    values, count, next_url = payload["values"], payload["count"], payload["next_url"]
    if not isinstance(values, list) or not all(isinstance(item, dict) for item in values):
        raise KoladaPageError(f"Kolada-sidan {source}: 'values' är inte en lista av objekt.")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise KoladaPageError(f"Kolada-sidan {source}: 'count' är inte ett icke-negativt heltal ({count!r}).")
    if next_url is not None and (not isinstance(next_url, str) or not next_url):
        raise KoladaPageError(f"Kolada-sidan {source}: 'next_url' är varken null eller en adress ({next_url!r}).")
    return Page(source=source, body=body, values=values, next_url=next_url)


def _check_data_items(page: Page, kpis: Iterable[str]) -> None:
    wanted = set(kpis)
    for position, item in enumerate(page.values):
        missing = [key for key in ("kpi", "municipality", "period", "values") if key not in item]
        if missing:
            raise KoladaPageError(f"Kolada-sidan {page.source}: post {position} saknar {', '.join(missing)}.")
        if item["kpi"] not in wanted:
            raise KoladaPageError(
                f"Kolada-sidan {page.source}: post {position} gäller nyckeltal {item['kpi']!r}, "
                f"men sidan hämtades för {', '.join(sorted(wanted))}."
            )


def _check_id_items(page: Page) -> None:
    for position, item in enumerate(page.values):
        if "id" not in item:
            raise KoladaPageError(f"Kolada-sidan {page.source}: post {position} saknar 'id'.")


def _normalise_ids(ids: Iterable[str | int], what: str) -> list[str]:
    # Keep the caller's order (it decides the request order, hence the page numbering) but drop repeats.
    result = list(dict.fromkeys(str(value).strip() for value in ids))
    if not result or any(not value or "," in value or "/" in value for value in result):
        raise ValueError(f"ogiltig lista med {what}: {list(ids)!r}")
    return result


def _within(items: list[dict], kpis: set[str], years: set[str], municipalities: set[str] | None) -> list[dict]:
    # Kolada sends `period` as a number or a string, so compare as text.
    return [
        item
        for item in items
        if item["kpi"] in kpis
        and str(item["period"]) in years
        and (municipalities is None or item["municipality"] in municipalities)
    ]


class _ItemsFromPages:
    """The item API both clients share: every item of every page, online or from saved files."""

    def data(
        self,
        kpis: Sequence[str],
        years: Sequence[int | str],
        municipalities: Sequence[str] | None = None,
    ) -> list[dict]:
        return [item for page in self.data_pages(kpis, years, municipalities) for item in page.values]

    def kpis(self, ids: Sequence[str] | None = None) -> list[dict]:
        return [item for page in self.kpi_pages(ids) for item in page.values]

    def municipalities(self) -> list[dict]:
        return [item for page in self.municipality_pages() for item in page.values]

    def municipality_groups(self) -> list[dict]:
        return [item for page in self.municipality_group_pages() for item in page.values]


class KoladaClient(_ItemsFromPages):
    """Online client: follows `next_url`, chunks id lists, retries transient failures."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        per_page: int = MAX_PER_PAGE,
        session: requests.Session | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page måste vara 1–{MAX_PER_PAGE}, inte {per_page}")
        base = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        self.base_url = base if base.endswith("/") else base + "/"
        self.per_page = per_page
        self._session = session or requests.Session()
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()

    # -- pages ---------------------------------------------------------------------------

    def data_pages(
        self,
        kpis: Sequence[str],
        years: Sequence[int | str],
        municipalities: Sequence[str] | None = None,
    ) -> Iterator[Page]:
        kpi_ids = _normalise_ids(kpis, "nyckeltal")
        year_ids = _normalise_ids(years, "år")
        municipality_ids = None if municipalities is None else _normalise_ids(municipalities, "kommuner")
        for kpi_chunk in chunked(kpi_ids):
            for municipality_chunk in [None] if municipality_ids is None else chunked(municipality_ids):
                for year_chunk in chunked(year_ids):
                    path = "data/kpi/" + _segment(kpi_chunk)
                    if municipality_chunk is not None:
                        path += "/municipality/" + _segment(municipality_chunk)
                    path += "/year/" + _segment(year_chunk)
                    for page in self._pages(path):
                        _check_data_items(page, kpi_chunk)
                        yield page

    def kpi_pages(self, ids: Sequence[str] | None = None) -> Iterator[Page]:
        if ids is None:
            paths = ["kpi"]
        else:
            paths = ["kpi/" + _segment(chunk) for chunk in chunked(_normalise_ids(ids, "nyckeltal"))]
        for path in paths:
            for page in self._pages(path):
                _check_id_items(page)
                yield page

    def municipality_pages(self) -> Iterator[Page]:
        for page in self._pages("municipality"):
            _check_id_items(page)
            yield page

    def municipality_group_pages(self) -> Iterator[Page]:
        for page in self._pages("municipality_groups"):
            _check_id_items(page)
            yield page

    # -- transport -----------------------------------------------------------------------

    def _pages(self, path: str) -> Iterator[Page]:
        url: str | None = f"{self.base_url}{path}?per_page={self.per_page}"
        seen: set[str] = set()
        while url is not None:
            if url in seen or len(seen) >= MAX_PAGES_PER_REQUEST:
                raise KoladaPageError(f"Kolada skickar runt i cirklar: next_url {url} har redan hämtats.")
            seen.add(url)
            page = parse_page(self.get(url), url)
            log.info("Kolada: hämtade sida %d (%d poster) %s", len(seen), len(page.values), url)
            yield page
            url = None if page.next_url is None else urljoin(url, page.next_url)

    def get(self, url: str) -> bytes:
        """GET `url` and return the body bytes, retrying transient failures."""
        policy = self._retry
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._session.get(url, timeout=self._timeout, headers={"Accept": "application/json"})
            except (
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                delay = policy.backoff(attempt, self._rng)
            else:
                if response.status_code == 200:
                    return response.content
                problem = f"HTTP {response.status_code}"
                if response.status_code == 429:
                    delay = self._retry_after(response, url) or policy.backoff(attempt, self._rng)
                elif 500 <= response.status_code < 600:
                    delay = policy.backoff(attempt, self._rng)
                else:
                    raise KoladaRequestError(
                        f"Kolada svarade HTTP {response.status_code} för {url}: {response.text[:300]!r}"
                    )
            if attempt == policy.attempts:
                raise KoladaRequestError(f"Kolada svarar inte: gav upp efter {attempt} försök mot {url} ({problem}).")
            log.warning(
                "Kolada: %s för %s, försök %d av %d, väntar %.1f s", problem, url, attempt, policy.attempts, delay
            )
            self._sleep(delay)

    def _retry_after(self, response: requests.Response, url: str) -> float | None:
        header = response.headers.get("Retry-After")
        if not header:
            return None
        try:
            seconds = float(header)
        except ValueError:
            try:
                seconds = parsedate_to_datetime(header).timestamp() - time.time()
            except (TypeError, ValueError):
                return None
        seconds = max(0.0, seconds)
        if seconds > self._retry.max_retry_after:
            raise KoladaRequestError(f"Kolada ber oss vänta {seconds:.0f} s (Retry-After) innan {url}: ger upp.")
        # Jitter on top, never below, so the server's wait is always honoured.
        return seconds + self._rng.uniform(0, self._retry.base_delay)


def _segment(ids: Sequence[str]) -> str:
    return ",".join(quote(value, safe="") for value in ids)


class OfflineKoladaClient(_ItemsFromPages):
    """Same item API as `KoladaClient`, answered from pages saved under `landing_dir/kolada/`."""

    def __init__(self, landing_dir: Path | str) -> None:
        self.kolada_dir = Path(landing_dir) / "kolada"

    def data_pages(
        self,
        kpis: Sequence[str],
        years: Sequence[int | str],
        municipalities: Sequence[str] | None = None,
    ) -> Iterator[Page]:
        """Saved pages of each KPI, with `values` narrowed to the years and municipalities asked for."""
        kpi_ids = _normalise_ids(kpis, "nyckeltal")
        year_ids = set(_normalise_ids(years, "år"))
        wanted = None if municipalities is None else set(_normalise_ids(municipalities, "kommuner"))
        for kpi in kpi_ids:
            for page in read_saved_pages(self.kolada_dir / "data", kpi):
                _check_data_items(page, [kpi])
                yield Page(page.source, page.body, _within(page.values, {kpi}, year_ids, wanted), page.next_url)

    def kpi_pages(self, ids: Sequence[str] | None = None) -> Iterator[Page]:
        wanted = None if ids is None else set(_normalise_ids(ids, "nyckeltal"))
        for page in read_saved_pages(self.kolada_dir, KPI_STEM):
            _check_id_items(page)
            values = page.values if wanted is None else [item for item in page.values if item["id"] in wanted]
            yield Page(page.source, page.body, values, page.next_url)

    def municipality_pages(self) -> Iterator[Page]:
        for page in read_saved_pages(self.kolada_dir, MUNICIPALITY_STEM):
            _check_id_items(page)
            yield page

    def municipality_group_pages(self) -> Iterator[Page]:
        for page in read_saved_pages(self.kolada_dir, MUNICIPALITY_GROUPS_STEM):
            _check_id_items(page)
            yield page


def page_file_name(stem: str, number: int) -> str:
    return f"{stem}.json" if number == 1 else f"{stem}.page{number}.json"


def saved_page_files(folder: Path, stem: str) -> list[tuple[int, Path]]:
    """(page number, path) of every saved page of `stem` in `folder`, by page number."""
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = _PAGE_FILE.match(path.name)
            if match and match["stem"] == stem and path.is_file():
                found.append((int(match["number"] or 1), path))
    return sorted(found)


def read_saved_pages(folder: Path, stem: str) -> list[Page]:
    files = saved_page_files(folder, stem)
    if not files:
        raise KoladaError(f"Inga sparade Kolada-sidor för {stem} i {folder} ({page_file_name(stem, 1)} saknas).")
    numbers = [number for number, _ in files]
    if numbers != list(range(1, len(files) + 1)):
        raise KoladaError(
            f"Sparade Kolada-sidor för {stem} i {folder} är inte obrutet numrerade från 1 "
            f"(sidnummer {numbers}): en sida saknas eller finns dubbelt."
        )
    pages = [parse_page(path.read_bytes(), str(path)) for _, path in files]
    if pages[-1].next_url is not None:
        raise KoladaError(
            f"Sista sparade Kolada-sidan {files[-1][1]} pekar vidare till {pages[-1].next_url}, "
            f"men {page_file_name(stem, len(files) + 1)} saknas: hämtningen är ofullständig."
        )
    return pages


def write_atomically(path: Path, body: bytes) -> bool:
    """Write `body` to `path` via a temp file + rename; False when the file already holds exactly `body`."""
    if path.is_file() and path.read_bytes() == body:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temp name starts with "." and ends in ".tmp" so a loader globbing *.json never sees it.
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(body)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return True


def _save_pages(folder: Path, stem: str, pages: list[Page], summary: FetchSummary) -> None:
    for number, page in enumerate(pages, start=1):
        path = folder / page_file_name(stem, number)
        (summary.files_written if write_atomically(path, page.body) else summary.files_unchanged).append(path)
    # A previous fetch may have had more pages; its tail would otherwise be read as current data.
    for number, path in saved_page_files(folder, stem):
        if number > len(pages):
            path.unlink()
            summary.files_removed.append(path)


def fetch_to_landing(
    landing_dir: Path | str,
    kpis: Sequence[str],
    years: Sequence[int | str],
    *,
    municipalities: Sequence[str] | None = None,
    base_url: str | None = None,
    per_page: int = MAX_PER_PAGE,
    session: requests.Session | None = None,
    include_metadata: bool = True,
    offline: bool = False,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
) -> FetchSummary:
    """Fetch Kolada pages into `landing_dir/kolada/` (or, offline, validate what is saved there).

    Every page is fetched and validated before any file is written, so a failed fetch leaves the
    landing folder exactly as it was. Re-running with the same answers rewrites nothing.
    """
    landing_dir = Path(landing_dir)
    summary = FetchSummary(landing_dir=landing_dir, offline=offline)
    kpi_ids = _normalise_ids(kpis, "nyckeltal")
    client: KoladaClient | OfflineKoladaClient
    if offline:
        client = OfflineKoladaClient(landing_dir)
    else:
        client = KoladaClient(base_url, per_page=per_page, session=session, timeout=timeout, retry=retry, sleep=sleep)

    kolada_dir = landing_dir / "kolada"
    planned: list[tuple[Path, str, list[Page]]] = []
    for kpi in kpi_ids:
        planned.append((kolada_dir / "data", kpi, list(client.data_pages([kpi], years, municipalities))))
    if include_metadata:
        planned.append((kolada_dir, KPI_STEM, list(client.kpi_pages(kpi_ids))))
        planned.append((kolada_dir, MUNICIPALITY_STEM, list(client.municipality_pages())))
        planned.append((kolada_dir, MUNICIPALITY_GROUPS_STEM, list(client.municipality_group_pages())))

    for folder, stem, pages in planned:
        summary.pages += len(pages)
        summary.items[stem] = sum(len(page.values) for page in pages)
        if not offline:
            _save_pages(folder, stem, pages, summary)
    log.info(
        "Kolada %s: %d sidor, %d filer skrivna, %d oförändrade, %d borttagna i %s",
        "offline" if offline else "hämtning",
        summary.pages,
        len(summary.files_written),
        len(summary.files_unchanged),
        len(summary.files_removed),
        kolada_dir,
    )
    return summary


def default_kpis() -> list[str]:
    """The KPIs of the shipped sample: the set the marts are built for."""
    return [item["id"] for item in OfflineKoladaClient(SAMPLE_LANDING_DIR).kpis()]


def parse_years(text: str) -> list[int]:
    years: list[int] = []
    for part in text.split(","):
        part = part.strip()
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.strip().isdigit()):
            raise argparse.ArgumentTypeError(f"ogiltiga år: {text!r} (skriv t.ex. 2016-2022 eller 2020,2021)")
        years.extend(range(int(first), int(last) + 1) if dash else [int(first)])
    return years


def _id_list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="omsorgslager fetch-kolada",
        description="Hämta Kolada-data (API v3) till landningsmappen, eller kontrollera sparade sidor offline.",
    )
    parser.add_argument("--kpis", type=_id_list, help="kommaseparerade nyckeltal (standard: exemplets 27)")
    parser.add_argument("--years", type=parse_years, help="år, t.ex. 2016-2022 eller 2020,2021 (standard: 2016-2022)")
    parser.add_argument("--municipalities", type=_id_list, help="kommaseparerade kommun-/grupp-id (standard: alla)")
    parser.add_argument("--landing", type=Path, help="landningsmapp (standard: LANDING_DIR)")
    parser.add_argument("--offline", action="store_true", help="hämta inget; läs och kontrollera sparade sidor")
    parser.add_argument("--base-url", help=f"API-adress (standard: {BASE_URL_ENV} eller {DEFAULT_BASE_URL})")
    parser.add_argument("--per-page", type=int, default=MAX_PER_PAGE, help=f"poster per sida, högst {MAX_PER_PAGE}")
    args = parser.parse_args(argv)

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    landing = args.landing or (Path(os.environ["LANDING_DIR"]) if os.environ.get("LANDING_DIR") else None)
    if landing is None:
        if not args.offline:
            parser.error("ange --landing eller LANDING_DIR: exemplet i seeds/landing skrivs inte över")
        landing = SAMPLE_LANDING_DIR
    # The shipped sample is a dated scrape the reference figures are checked against;
    # today's (revised) values must not replace it.
    if not args.offline and landing.resolve() == SAMPLE_LANDING_DIR.resolve():
        parser.error("exemplet i seeds/landing skrivs inte över: välj en annan --landing")
    try:
        summary = fetch_to_landing(
            landing,
            args.kpis or default_kpis(),
            args.years or list(DEFAULT_YEARS),
            municipalities=args.municipalities,
            base_url=args.base_url,
            per_page=args.per_page,
            offline=args.offline,
        )
    except (KoladaError, ValueError) as exc:
        print(f"fel: {exc}", file=sys.stderr)
        return 1
    print(
        f"Kolada: {summary.pages} sidor, {sum(summary.items.values())} poster; "
        f"{len(summary.files_written)} filer skrivna, {len(summary.files_unchanged)} oförändrade, "
        f"{len(summary.files_removed)} borttagna i {landing / 'kolada'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
