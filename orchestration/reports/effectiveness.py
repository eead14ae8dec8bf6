"""Section Effektivitet: Kolada's indices and quality KPIs beside the comparison groups."""

from __future__ import annotations

from orchestration.reports.model import Section
from orchestration.reports.published import PublishedData


def effectiveness_section(data: PublishedData, municipality_id: str, municipality: str, year: int) -> Section:
    section = Section("effektivitet", "Effektivitet")
    if not data.has("fct_kolada_comparisons"):
        section.empty_message = "Kolada-jämförelserna finns inte i den publicerade versionen."
    return section
