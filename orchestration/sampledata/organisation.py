"""The two sample municipalities' unit registers (organisation export).

Unit codes and names follow the municipalities' own documents: Ale's
hemtjänst units 6341–6347 under the department "Hemtjänst utförarenheter",
Alingsås' departments äldreboende, hemtjänst, LSS boende och arbete, personlig
assistans och stöd and myndighet och kommunal primärvård.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

ALINGSAS = "1489"
ALE = "1440"
MUNICIPALITY_NAMES = {ALINGSAS: "Alingsås", ALE: "Ale"}

REGISTER_START = date(2019, 1, 1)

# Occupation mixes per kind of unit (share of monthly-paid staff).
OCCUPATIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "boende": (("Undersköterska", 0.74), ("Vårdbiträde", 0.18), ("Enhetschef", 0.03), ("Aktivitetsledare", 0.05)),
    "hemtjanst": (("Undersköterska", 0.74), ("Vårdbiträde", 0.21), ("Enhetschef", 0.05)),
    "lss": (("Stödassistent", 0.78), ("Undersköterska", 0.12), ("Vårdbiträde", 0.06), ("Enhetschef", 0.04)),
    "pa": (("Personlig assistent", 0.95), ("Enhetschef", 0.05)),
    "ifo": (("Socialsekreterare", 0.80), ("Enhetschef", 0.10), ("Administratör", 0.10)),
    "myndighet": (("Biståndshandläggare", 0.82), ("Enhetschef", 0.10), ("Administratör", 0.08)),
    "hsl": (
        ("Sjuksköterska", 0.55),
        ("Arbetsterapeut", 0.18),
        ("Fysioterapeut", 0.15),
        ("Undersköterska", 0.07),
        ("Enhetschef", 0.05),
    ),
    "central": (("Administratör", 0.55), ("Verksamhetsutvecklare", 0.35), ("Enhetschef", 0.10)),
}


@dataclass(frozen=True)
class Version:
    name: str
    department: str
    area: str
    valid_from: date
    valid_to: date | None = None


@dataclass(frozen=True)
class Unit:
    unit_id: str
    profile: str  # key of OCCUPATIONS and of the ledger profiles
    activity: str  # verksamhet (RS) code
    staff: float  # relative monthly-paid headcount
    versions: tuple[Version, ...] = field(default=())

    @property
    def current(self) -> Version:
        return self.versions[-1]

    def version_at(self, day: date) -> Version:
        for version in self.versions:
            if version.valid_from <= day and (version.valid_to is None or day <= version.valid_to):
                return version
        raise LookupError(f"unit {self.unit_id} has no organisation row valid on {day}")


def _unit(unit_id: str, name: str, department: str, area: str, profile: str, activity: str, staff: float) -> Unit:
    return Unit(unit_id, profile, activity, staff, (Version(name, department, area, REGISTER_START),))


def _ale_units() -> list[Unit]:
    ao, fs, ifo, mos, sc = (
        "Äldreomsorg",
        "Funktionsstöd",
        "Individ- och familjeomsorg",
        "Myndighet och specialiststöd",
        "Socialtjänst centralt",
    )
    hemtjanst = "Hemtjänst utförarenheter"
    units = [
        _unit("6001", "Sektorchef Socialtjänst", "Sektorledning", sc, "central", "590", 4),
        _unit("6002", "Kvalitet och utveckling", "Sektorledning", sc, "central", "590", 9),
        _unit("6311", "Klockareängens äldreboende", "Särskilt boende", ao, "boende", "510", 62),
        _unit("6312", "Björklidens äldreboende", "Särskilt boende", ao, "boende", "510", 48),
        _unit("6313", "Ale Seniorcentrum", "Särskilt boende", ao, "boende", "510", 70),
        _unit("6320", "Äldreomsorg ledning och stöd", "Äldreomsorg gemensamt", ao, "central", "510", 6),
        _unit("6341", "Hemtjänst Surte", hemtjanst, ao, "hemtjanst", "511", 11),
        _unit("6342", "Hemtjänst Bohus", hemtjanst, ao, "hemtjanst", "511", 21),
        _unit("6343", "Hemtjänst Nödinge", hemtjanst, ao, "hemtjanst", "511", 24),
        _unit("6344", "Hemtjänst Alafors", hemtjanst, ao, "hemtjanst", "511", 24),
        _unit("6346", "Hemtjänst Älvängen", hemtjanst, ao, "hemtjanst", "511", 38),
        _unit("6347", "Hemtjänst Skepplanda", hemtjanst, ao, "hemtjanst", "511", 45),
        _unit("6351", "Nattpatrull hemtjänst", "Hemtjänst gemensamt", ao, "hemtjanst", "511", 14),
        _unit("6411", "Danska vägens serviceboende", "LSS boende", fs, "lss", "520", 42),
        _unit("6412", "Änggatans gruppbostad", "LSS boende", fs, "lss", "520", 36),
        _unit("6413", "LSS Skepplanda", "LSS boende", fs, "lss", "520", 34),
        _unit("6421", "Daglig verksamhet Ale", "Daglig verksamhet", fs, "lss", "522", 38),
        _unit("6431", "Personlig assistans", "Personlig assistans", fs, "pa", "521", 70),
        _unit("6441", "Socialpsykiatri och boendestöd", "Socialpsykiatri", fs, "lss", "525", 22),
        _unit("6511", "Barn och unga", "Barn och familj", ifo, "ifo", "531", 38),
        _unit("6512", "Familjehemsvård", "Barn och familj", ifo, "ifo", "531", 12),
        _unit("6521", "Vuxenenheten", "Vuxen", ifo, "ifo", "530", 22),
        _unit("6531", "Försörjningsstöd", "Försörjningsstöd", ifo, "ifo", "532", 16),
        _unit("6541", "Ensamkommande och nyanlända", "Integration", ifo, "ifo", "533", 6),
        _unit("6551", "Gemensam administration IFO", "IFO gemensamt", ifo, "central", "590", 10),
        _unit("6611", "Biståndsenheten", "Myndighet", mos, "myndighet", "590", 20),
        _unit("6621", "Hemsjukvård", "Hälso- och sjukvård", mos, "hsl", "513", 52),
        _unit("6622", "Rehabenheten", "Hälso- och sjukvård", mos, "hsl", "513", 24),
        _unit("6631", "Anhörigstöd och demensteam", "Specialiststöd", mos, "hsl", "512", 8),
    ]
    # Renamed on 1 September 2024: the 2025 report shows the new name.
    units.append(
        Unit(
            "6345",
            "hemtjanst",
            "511",
            27,
            (
                Version("Hemtjänst Nol", hemtjanst, ao, REGISTER_START, date(2024, 8, 31)),
                Version("Hemtjänst Nol/Nödinge", hemtjanst, ao, date(2024, 9, 1)),
            ),
        )
    )
    # Moved between departments (same area) on 1 March 2024.
    units.append(
        Unit(
            "6314",
            "boende",
            "510",
            26,
            (
                Version("Korttidsboende Ale", "Särskilt boende", ao, REGISTER_START, date(2024, 2, 29)),
                Version("Korttidsboende Ale", "Korttid och trygg hemgång", ao, date(2024, 3, 1)),
            ),
        )
    )
    return sorted(units, key=lambda unit: unit.unit_id)


def _alingsas_units() -> list[Unit]:
    ao, fs, kpv, mos, sc = (
        "Äldreomsorg",
        "Funktionsstöd",
        "Kommunal primärvård",
        "Myndighet och specialiststöd",
        "Socialtjänst centralt",
    )
    mkp = "Myndighet och kommunal primärvård"
    units = [
        _unit("7111", "Brogårdens vård- och omsorgsboende", "Äldreboende", ao, "boende", "510", 88),
        _unit("7112", "Ängabogården", "Äldreboende", ao, "boende", "510", 70),
        _unit("7113", "Hagagården", "Äldreboende", ao, "boende", "510", 64),
        _unit("7114", "Ginstgården", "Äldreboende", ao, "boende", "510", 58),
        _unit("7115", "Noltorps vård- och omsorgsboende", "Äldreboende", ao, "boende", "510", 66),
        _unit("7121", "Hemtjänst Centrum", "Hemtjänst", ao, "hemtjanst", "511", 62),
        _unit("7122", "Hemtjänst Noltorp", "Hemtjänst", ao, "hemtjanst", "511", 52),
        _unit("7123", "Hemtjänst Ingared", "Hemtjänst", ao, "hemtjanst", "511", 30),
        _unit("7124", "Hemtjänst Sollebrunn", "Hemtjänst", ao, "hemtjanst", "511", 34),
        _unit("7125", "Nattpatrullen", "Hemtjänst", ao, "hemtjanst", "511", 22),
        _unit("7211", "Gruppbostad Stadsskogen", "LSS boende och arbete", fs, "lss", "520", 46),
        _unit("7212", "Serviceboende Hedvigsberg", "LSS boende och arbete", fs, "lss", "520", 44),
        _unit("7213", "Daglig verksamhet Bryggeriet", "LSS boende och arbete", fs, "lss", "522", 52),
        _unit("7221", "Personlig assistans Norr", "Personlig assistans och stöd", fs, "pa", "521", 78),
        _unit("7222", "Personlig assistans Söder", "Personlig assistans och stöd", fs, "pa", "521", 72),
        _unit("7224", "Boendestöd", "Personlig assistans och stöd", fs, "lss", "525", 26),
        _unit("7311", "Hemsjukvård Norr", mkp, kpv, "hsl", "513", 48),
        _unit("7312", "Hemsjukvård Söder", mkp, kpv, "hsl", "513", 44),
        _unit("7313", "Rehabenheten", mkp, kpv, "hsl", "513", 40),
        _unit("7321", "Biståndsenheten", mkp, mos, "myndighet", "590", 30),
        _unit("7322", "LSS-handläggning", mkp, mos, "myndighet", "590", 10),
        _unit("7401", "Förvaltningsledning", "Verksamhetsstöd", sc, "central", "590", 8),
        _unit("7402", "Kvalitetsenheten", "Verksamhetsstöd", sc, "central", "590", 12),
        _unit("7403", "Verksamhetsstöd", "Verksamhetsstöd", sc, "central", "590", 24),
    ]
    # Moved from personlig assistans och stöd to LSS boende och arbete on 1 January 2024.
    units.append(
        Unit(
            "7223",
            "lss",
            "520",
            30,
            (
                Version("Korttidsverksamhet barn och unga", "Personlig assistans och stöd", fs, REGISTER_START,
                        date(2023, 12, 31)),
                Version("Korttidsverksamhet barn och unga", "LSS boende och arbete", fs, date(2024, 1, 1)),
            ),
        )
    )
    return sorted(units, key=lambda unit: unit.unit_id)


UNITS: dict[str, list[Unit]] = {ALINGSAS: _alingsas_units(), ALE: _ale_units()}


def unit_map(municipality: str) -> dict[str, Unit]:
    return {unit.unit_id: unit for unit in UNITS[municipality]}


ORGANISATION_HEADER = (
    "kommunkod",
    "enhet_id",
    "enhet_namn",
    "avdelning",
    "verksamhetsomrade",
    "giltig_from",
    "giltig_tom",
)


def organisation_rows(municipality: str) -> list[list[str]]:
    rows = []
    for unit in UNITS[municipality]:
        for version in unit.versions:
            rows.append(
                [
                    municipality,
                    unit.unit_id,
                    version.name,
                    version.department,
                    version.area,
                    version.valid_from.isoformat(),
                    version.valid_to.isoformat() if version.valid_to else "",
                ]
            )
    return rows
