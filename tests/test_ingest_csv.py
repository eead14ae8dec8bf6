"""CSV ingestion: every rule of docs/raw-exports.md "Rules common to all CSV exports"."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.defs.ingest import csv_loader
from orchestration.defs.ingest.contracts import CSV_KINDS
from orchestration.defs.ingest.landing import load_landing_folder
from orchestration.defs.ingest.privacy import person_hash
from orchestration.settings import load_settings

KEY = "test-key-not-for-production-0123"

MANAD_HEADER = [column.name for column in CSV_KINDS["personal_manad"].columns]
AVGANG_HEADER = [column.name for column in CSV_KINDS["personal_avgang"].columns]
HUVUDBOK_HEADER = [column.name for column in CSV_KINDS["ekonomi_huvudbok"].columns]
ORGANISATION_HEADER = [column.name for column in CSV_KINDS["organisation"].columns]
AVVIKELSER_HEADER = [column.name for column in CSV_KINDS["avvikelser"].columns]


def _field(value: object) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace('"', '""') + '"' if any(char in text for char in ';"\r\n') else text


def write_csv(path: Path, header: list[str], rows: list[list[object]], *, encoding: str = "utf-8", newline: str = "\n") -> Path:
    text = newline.join(";".join(_field(value) for value in row) for row in [header, *rows]) + newline
    path.write_bytes(text.encode(encoding))
    return path


def manad_row(anstallnings_id: str, personnummer: str, *, period: str = "2024-01", kommunkod: str = "1489", **overrides: object) -> list[object]:
    row = {
        "kommunkod": kommunkod,
        "period": period,
        "anstallnings_id": anstallnings_id,
        "personnummer": personnummer,
        "kon": "K",
        "fodelsear": "1975",
        "enhet_id": "E100",
        "yrkesgrupp": "Undersköterska",
        "anstallningsform": "Tillsvidare",
        "sysselsattningsgrad": "75,0",
        "ordinarie_tid_h": "124,5",
        "sjuk_h_dag1_14": "8,0",
        "sjuk_h_dag15_59": "",
        "sjuk_h_dag60": "0",
        "overtid_h": "",
        "fyllnadstid_h": "2,5",
        "timavlonad_h": "",
    } | overrides
    return [row[name] for name in MANAD_HEADER]


def avvikelse_row(avvikelse_id: str, *, uttagsdatum: str = "2024-03-31", **overrides: object) -> list[object]:
    row = {
        "kommunkod": "1489",
        "uttagsdatum": uttagsdatum,
        "avvikelse_id": avvikelse_id,
        "rapporttyp": "Avvikelse",
        "kategori": "Fall",
        "lagrum": "HSL",
        "enhet_id": "E100",
        "handelsedatum": "2024-03-01",
        "rapportdatum": "2024-03-02",
        "allvarlighetsgrad": "Lindrig",
        "status": "Ny",
        "avslutsdatum": "",
        "lex_sarah": "N",
        "lex_maria": "N",
        "beskrivning": "Brukaren föll i badrummet.",
    } | overrides
    return [row[name] for name in AVVIKELSER_HEADER]


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    folder = tmp_path / "landing"
    folder.mkdir()
    return folder


@pytest.fixture
def settings(tmp_path: Path, landing: Path):
    return load_settings({"LANDING_DIR": str(landing), "DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"), "PSEUDONYM_KEY": KEY})


def query(settings, sql: str, parameters: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
        return connection.execute(sql, parameters or []).fetchall()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings_are_detected_and_swedish_letters_survive(settings, landing, encoding):
    names = ["Äldreboende Ängåsen", "Hemtjänst Öster é", "LSS-boende Åby"]
    write_csv(
        landing / "organisation_1489.csv",
        ORGANISATION_HEADER,
        [["1489", f"E{index}", name, "Äldreomsorg avd", "Äldreomsorg", "2024-01-01", ""] for index, name in enumerate(names)],
        encoding=encoding,
    )
    summary = load_landing_folder(settings)

    assert [result.rows_loaded for result in summary.files] == [3]
    assert query(settings, "select enhet_namn, avdelning from raw.organisation order by enhet_id") == [
        (name, "Äldreomsorg avd") for name in names
    ]
    assert query(settings, "select encoding from raw.load_log") == [(encoding,)]


def test_decimal_comma_thousands_separators_and_empty_as_null(settings, landing):
    amounts = [("1 234,50", Decimal("1234.50")), ("-8\u00a0687", Decimal("-8687")), ("100,0", Decimal("100.0")),
               ("", None), ("0", Decimal("0")), ("  12 345 678,1234 ", Decimal("12345678.1234"))]
    write_csv(
        landing / "ekonomi_huvudbok_1489_2024.csv",
        HUVUDBOK_HEADER,
        [["1489", "2024-01", "0042", "510", f"{4000 + index}", raw, raw] for index, (raw, _) in enumerate(amounts)],
    )
    load_landing_folder(settings)

    rows = query(settings, "select konto, utfall, budget from raw.ekonomi_huvudbok order by konto")
    assert [(utfall, budget) for _, utfall, budget in rows] == [(value, value) for _, value in amounts]
    assert query(settings, "select distinct ansvar from raw.ekonomi_huvudbok") == [("0042",)]


def test_leading_zero_codes_stay_text(settings, landing):
    write_csv(landing / "organisation_0114.csv", ORGANISATION_HEADER, [["0114", "007", "Enhet", "", "Äldreomsorg", "2024-01-01", ""]])
    load_landing_folder(settings)
    assert query(settings, "select kommunkod, enhet_id from raw.organisation") == [("0114", "007")]
    assert query(settings, "select kommunkod from raw.load_log") == [("0114",)]


def test_quoted_fields_with_semicolons_and_line_breaks_in_crlf_file(settings, landing):
    write_csv(
        landing / "avvikelser_1489_2024-03-31.csv",
        AVVIKELSER_HEADER,
        [
            avvikelse_row("A1", beskrivning='Föll; slog i "huvudet".\r\nAnhörig informerad.'),
            avvikelse_row("A2", beskrivning="Rad två"),
        ],
        newline="\r\n",
    )
    load_landing_folder(settings)
    assert query(settings, "select avvikelse_id, beskrivning, _source_line from raw.avvikelser order by avvikelse_id") == [
        ("A1", 'Föll; slog i "huvudet".\nAnhörig informerad.', 2),
        ("A2", "Rad två", 4),
    ]


def test_header_in_other_order_with_case_and_whitespace_and_unknown_column_reported(settings, landing):
    header = [f"  {name.upper()} " for name in reversed(ORGANISATION_HEADER)] + ["Nytt_Falt"]
    row = list(reversed(["1489", "E1", "Enhet ett", "Hemtjänst", "Äldreomsorg", "2024-01-01", "2024-12-31"])) + ["x"]
    write_csv(landing / "organisation_1489.csv", header, [row])
    summary = load_landing_folder(settings)

    assert summary.files[0].unknown_columns == ("Nytt_Falt",)
    assert query(settings, "select enhet_id, enhet_namn, avdelning, giltig_from::varchar, giltig_tom::varchar from raw.organisation") == [
        ("E1", "Enhet ett", "Hemtjänst", "2024-01-01", "2024-12-31")
    ]
    assert query(settings, "select unknown_columns, outcome from raw.load_log") == [("Nytt_Falt", "loaded")]


def test_missing_required_columns_reject_the_file_while_others_load(settings, landing):
    header = [name for name in HUVUDBOK_HEADER if name not in ("konto", "utfall")]
    write_csv(landing / "ekonomi_huvudbok_1489_trasig.csv", header, [["1489", "2024-01", "E1", "510", "1,0"]])
    write_csv(landing / "ekonomi_huvudbok_1489_bra.csv", HUVUDBOK_HEADER, [["1489", "2024-01", "E1", "510", "4010", "1,0", ""]])
    summary = load_landing_folder(settings)

    [rejected] = summary.rejected
    assert rejected.file_name == "ekonomi_huvudbok_1489_trasig.csv"
    assert "ekonomi_huvudbok_1489_trasig.csv" in rejected.message
    assert "konto" in rejected.message and "utfall" in rejected.message
    assert query(settings, "select file_name, outcome, rows_read from raw.load_log order by file_name") == [
        ("ekonomi_huvudbok_1489_bra.csv", "loaded", 1),
        ("ekonomi_huvudbok_1489_trasig.csv", "rejected", 0),
    ]
    assert query(settings, "select count(*) from raw.ekonomi_huvudbok") == [(1,)]
    # Still reported on the next run while the file lies in the landing folder, without a new log row.
    assert [result.file_name for result in load_landing_folder(settings).rejected] == ["ekonomi_huvudbok_1489_trasig.csv"]
    assert query(settings, "select count(*) from raw.load_log") == [(2,)]


def test_unparseable_rows_go_to_quarantine_with_line_and_swedish_reason(settings, landing):
    rows = [
        avvikelse_row("A1", beskrivning="Första raden\noch en andra rad\noch en tredje"),  # lines 2-4
        avvikelse_row("A2", rapportdatum="2024-02-30"),  # line 5
        avvikelse_row("A3"),  # line 6
        ["1489", "2024-03-31", "A4", "Avvikelse"],  # line 7: too few fields
        avvikelse_row("", kategori="Okänd"),  # line 8
        avvikelse_row("A6", lex_sarah="Ja", beskrivning='Citat "med;semikolon"\ni två rader'),  # lines 9-10
        avvikelse_row("A7", status="avslutad", allvarlighetsgrad="måttlig", avslutsdatum="2024-03-20"),  # line 11
    ]
    path = write_csv(landing / "avvikelser_1489_2024-03-31.csv", AVVIKELSER_HEADER, rows)
    # A blank line between records is no record; it must not shift later line numbers.
    path.write_bytes(path.read_bytes() + b"\n" + ";".join(avvikelse_row("A8", uttagsdatum="2024-3-31")).encode() + b"\n")  # line 13
    summary = load_landing_folder(settings)

    [result] = summary.files
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (8, 3, 5)
    assert query(settings, "select avvikelse_id, _source_line, status, allvarlighetsgrad from raw.avvikelser order by _source_line") == [
        ("A1", 2, "Ny", "Lindrig"),
        ("A3", 6, "Ny", "Lindrig"),
        ("A7", 11, "Avslutad", "Måttlig"),
    ]
    quarantine = query(settings, "select line_number, reason, raw_text from raw.quarantine order by line_number")
    assert [(line, reason) for line, reason, _ in quarantine] == [
        (5, "kolumn rapportdatum: '2024-02-30' är inget giltigt datum (ÅÅÅÅ-MM-DD)"),
        (7, "fel antal fält: raden har 4 fält, rubriken har 15"),
        (8, "kolumn avvikelse_id saknar värde; kolumn kategori: 'Okänd' är inte ett tillåtet värde "
            "(Fall, Läkemedel, Bemötande och förhållningssätt, Handläggning och dokumentation, Vård och behandling, "
            "Informationsöverföring, Hot och våld, Övrigt)"),
        (9, "kolumn lex_sarah: 'Ja' ska vara J eller N"),
        (13, "kolumn uttagsdatum: '2024-3-31' är inget giltigt datum (ÅÅÅÅ-MM-DD)"),
    ]
    assert quarantine[1][2] == "1489;2024-03-31;A4;Avvikelse"
    assert quarantine[3][2].startswith("1489;2024-03-31;A6;Avvikelse;") and '"Citat ""med;semikolon""\ni två rader"' in quarantine[3][2]
    assert query(settings, "select rows_read, rows_loaded, rows_quarantined from raw.load_log") == [(8, 3, 5)]


def test_number_period_and_vocabulary_errors_name_the_column(settings, landing):
    write_csv(
        landing / "ekonomi_huvudbok_1489.csv",
        HUVUDBOK_HEADER,
        [
            ["1489", "2024-01", "E1", "510", "4010", "12,3x", ""],
            ["1489", "2024-13", "E1", "510", "4011", "1", ""],
            ["114", "2024-01", "E1", "510", "4012", "1", ""],
            ["1489", "2024-01", "E1", "510", "4013", "1.5", "1 000"],
        ],
    )
    write_csv(landing / "personal_avgang_1489.csv", AVGANG_HEADER, [["1489", "X1", "19600101-1234", "Konsult", "E1", "", "2024-01-31", "Pension"]])
    load_landing_folder(settings)
    assert [reason for (reason,) in query(settings, "select reason from raw.quarantine order by file_name, line_number")] == [
        "kolumn utfall: '12,3x' är inte ett tal",
        "kolumn period: '2024-13' är ingen giltig period (ÅÅÅÅ-MM)",
        "kolumn kommunkod: '114' är ingen fyrsiffrig kommunkod",
        "kolumn utfall: '1.5' är inte ett tal",
        "kolumn anstallningsform: 'Konsult' är inte ett tillåtet värde (Tillsvidare, Visstid, Timavlönad)",
    ]


def test_reloading_the_same_files_changes_nothing(settings, landing):
    write_csv(landing / "personal_manad_1489_2024-01.csv", MANAD_HEADER, [manad_row("A1", "19750312-1234"), manad_row("A2", "x")])
    write_csv(landing / "avvikelser_1489_2024-03-31.csv", AVVIKELSER_HEADER, [avvikelse_row("A1")])
    tables = ["personal_manad", "avvikelser", "quarantine", "load_log"]

    def snapshot():
        return {table: query(settings, f"select * from raw.{table} order by all") for table in tables}

    first = load_landing_folder(settings)
    before = snapshot()
    second = load_landing_folder(settings)

    assert snapshot() == before
    assert [result.outcome for result in first.files] == ["loaded", "loaded"]
    assert [(result.outcome, result.previous_outcome) for result in second.files] == [("skipped", "loaded")] * 2


def test_correction_replaces_rows_with_the_same_key(settings, landing):
    write_csv(landing / "personal_manad_1489_2024-01.csv", MANAD_HEADER,
              [manad_row("A1", "19750312-1234", overtid_h="1,0"), manad_row("A2", "19800101-2222", overtid_h="2,0")])
    load_landing_folder(settings)
    write_csv(landing / "personal_manad_1489_2024-01_rattelse.csv", MANAD_HEADER,
              [manad_row("A1", "19750312-1234", overtid_h="5,0"), manad_row("A3", "19900101-3333", overtid_h="3,0")])
    load_landing_folder(settings)

    assert query(settings, "select anstallnings_id, overtid_h, _source_file from raw.personal_manad order by 1") == [
        ("A1", Decimal("5.0"), "personal_manad_1489_2024-01_rattelse.csv"),
        ("A2", Decimal("2.0"), "personal_manad_1489_2024-01.csv"),
        ("A3", Decimal("3.0"), "personal_manad_1489_2024-01_rattelse.csv"),
    ]


def test_files_of_one_kind_apply_in_file_name_order_and_duplicates_within_a_file_are_kept(settings, landing):
    write_csv(landing / "ekonomi_huvudbok_1489_b.csv", HUVUDBOK_HEADER, [["1489", "2024-01", "E1", "510", "4010", "2", ""]])
    write_csv(landing / "ekonomi_huvudbok_1489_a.csv", HUVUDBOK_HEADER,
              [["1489", "2024-01", "E1", "510", "4010", "1", ""], ["1489", "2024-01", "E1", "510", "4020", "7", ""],
               ["1489", "2024-01", "E1", "510", "4020", "8", ""]])
    load_landing_folder(settings)
    assert query(settings, "select konto, utfall from raw.ekonomi_huvudbok order by konto, utfall") == [
        ("4010", Decimal("2")), ("4020", Decimal("7")), ("4020", Decimal("8")),
    ]


def test_every_avvikelser_snapshot_is_kept(settings, landing):
    write_csv(landing / "avvikelser_1489_2024-03-31.csv", AVVIKELSER_HEADER, [avvikelse_row("A1", uttagsdatum="2024-03-31", status="Ny")])
    write_csv(landing / "avvikelser_1489_2024-04-30.csv", AVVIKELSER_HEADER,
              [avvikelse_row("A1", uttagsdatum="2024-04-30", status="Avslutad", avslutsdatum="2024-04-10")])
    load_landing_folder(settings)
    assert query(settings, "select uttagsdatum::varchar, status from raw.avvikelser order by 1") == [
        ("2024-03-31", "Ny"), ("2024-04-30", "Avslutad"),
    ]


def test_a_failure_inside_a_file_leaves_nothing_of_it(settings, landing, monkeypatch):
    write_csv(landing / "personal_manad_1489.csv", MANAD_HEADER, [manad_row("A1", "19750312-1234"), manad_row("A2", "bad")])

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(csv_loader, "_log_file", crash)
    with pytest.raises(OSError):
        load_landing_folder(settings)
    for table in ("personal_manad", "quarantine", "load_log"):
        assert query(settings, f"select count(*) from raw.{table}") == [(0,)]


def test_empty_file_is_rejected_and_header_only_file_loads_nothing(settings, landing):
    (landing / "organisation_tom.csv").write_bytes(b"")
    write_csv(landing / "organisation_bara_rubrik.csv", ORGANISATION_HEADER, [])
    summary = load_landing_folder(settings)
    assert {(result.file_name, result.outcome, result.rows_read) for result in summary.files} == {
        ("organisation_tom.csv", "rejected", 0),
        ("organisation_bara_rubrik.csv", "loaded", 0),
    }


def test_files_of_no_kind_are_ignored_and_reported(settings, landing):
    (landing / "README.txt").write_text("hej", encoding="utf-8")
    assert load_landing_folder(settings).ignored_files == ["README.txt"]


def test_same_person_gets_the_same_hash_and_no_clear_personnummer_is_stored(settings, landing):
    clear = ["19750312-1234", "198001012222", "19641224-9876"]
    write_csv(landing / "personal_manad_1489_2024-01.csv", MANAD_HEADER,
              [manad_row("A1", clear[0]), manad_row("A2", clear[1]), manad_row("A3", clear[2], fodelsear="19x4")])
    write_csv(landing / "personal_manad_1489_2024-02.csv", MANAD_HEADER,
              [manad_row("A1", "197503121234", period="2024-02"), manad_row("A9", "19750312-12", period="2024-02")])
    write_csv(landing / "personal_avgang_1489.csv", AVGANG_HEADER, [["1489", "A1", clear[0], "Tillsvidare", "E1", "", "2024-02-29", "Pension"]])
    write_csv(landing / "avvikelser_1489_2024-03-31.csv", AVVIKELSER_HEADER, [
        avvikelse_row("A1", beskrivning=f"Brukare {clear[0]} föll, anhörig 641224-9876 ringde"),
        avvikelse_row("A2", status="Okänd", beskrivning=f"pnr {clear[1]}"),
    ] + [[f"1489;{clear[2]}"]])
    load_landing_folder(settings)

    hashes = query(settings, "select distinct person_hash from raw.personal_manad where anstallnings_id = 'A1'")
    assert hashes == [(person_hash(clear[0], KEY.encode()),)]
    assert query(settings, "select person_hash from raw.personal_avgang") == hashes
    assert query(settings, "select beskrivning from raw.avvikelser") == [("Brukare [personnummer] föll, anhörig [personnummer] ringde",)]
    assert query(settings, "select count(*) from raw.quarantine") == [(4,)]

    needles = {digits for number in clear for digits in (number, number.replace("-", ""), number[2:], number[2:].replace("-", ""))}
    needles |= {"19750312-12", "1975031212"}
    with duckdb.connect(str(settings.duckdb_path)) as connection:
        columns = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_catalog = current_database()"
        ).fetchall()
        for schema, table, column in columns:
            values = connection.execute(f'select "{column}" from "{schema}"."{table}" where "{column}" is not null').fetchall()
            for (value,) in values:
                assert not any(needle in value for needle in needles), f"{schema}.{table}.{column}: {value!r}"
        connection.execute("checkpoint")
    content = settings.duckdb_path.read_bytes()
    for needle in needles:
        assert needle.encode() not in content
