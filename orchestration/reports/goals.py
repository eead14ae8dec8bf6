"""Section Mål: the board's goals, their indicators and the assessment."""

from __future__ import annotations

from orchestration.reports.model import Section
from orchestration.reports.published import PublishedData


def goals_section(data: PublishedData, municipality_id: str, year: int) -> Section:
    section = Section("mal", "Mål")
    if not data.has("fct_goal_indicators"):
        section.empty_message = "Målen finns inte i den publicerade versionen."
    return section
