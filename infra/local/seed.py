"""Seed a province's gateway: the item catalog (infra/seed/catalog.json) and the holiday calendar.

The catalog goes through the same publish use case operators use, so every seeded item passes
the same validation as an item published through the ops API. On the local stack each province
publishes only the items it is the publisher of record of (infra/seed/publishers.json); the
exchange brings the others from their publishers.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from chalicelib import container
from chalicelib.domain.calendar import Holiday, YearCalendar
from chalicelib.domain.catalog import ItemDefinition
from chalicelib.domain.identity import Principal, Role

SEED_FILE = Path(__file__).resolve().parents[1] / "seed" / "catalog.json"
# The national 跨省通办 list beyond the development items (infra.seed.national_list).
NATIONAL_FILE = Path(__file__).resolve().parents[1] / "seed" / "national.json"
PUBLISHERS_FILE = Path(__file__).resolve().parents[1] / "seed" / "publishers.json"
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
SEEDER = Principal(subject="seed", role=Role.OPERATOR, issuer="seed")


def catalog_items() -> list[dict[str, Any]]:
    """The development items, then the national list's (when its file is there)."""
    items = list(json.loads(SEED_FILE.read_text(encoding="utf-8"))["items"])
    if NATIONAL_FILE.exists():
        items += json.loads(NATIONAL_FILE.read_text(encoding="utf-8"))["items"]
    return items


def publisher_of(code: str, registry: dict[str, Any] | None = None) -> str:
    """The publisher of record of a seed item: by code, else by the longest prefix, else the default."""
    chosen = registry if registry is not None else json.loads(PUBLISHERS_FILE.read_text(encoding="utf-8"))
    if code in chosen.get("items", {}):
        return str(chosen["items"][code])
    prefixes = [p for p in chosen.get("prefixes", {}) if code.startswith(p)]
    if prefixes:
        return str(chosen["prefixes"][max(prefixes, key=len)])
    return str(chosen["default"])


def seed_catalog(
    items: list[dict[str, Any]] | None = None,
    *,
    publisher: str | None = None,
    running: Collection[str] = (),
) -> int:
    """Publish the seed items (only those `publisher` publishes, when given; an item whose publisher
    is not among the `running` provinces goes to the smallest running code); returns how many."""
    service = container.catalog()
    chosen = catalog_items() if items is None else items
    if publisher is not None:
        live = set(running) | {publisher}

        def stand_in(code: str) -> str:
            named = publisher_of(code)
            return named if named in live else min(live)

        chosen = [item for item in chosen if stand_in(item["code"]) == publisher]
    for item in chosen:
        service.publish(ItemDefinition.model_validate(item), SEEDER)
    return len(chosen)


def calendar_years() -> list[YearCalendar]:
    """Every year chinesecalendar knows, as published calendars (holidays and 调休 workdays)."""
    import chinese_calendar

    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    calendars = []
    for year in years:
        holidays: list[Holiday] = []
        adjusted: list[date] = []
        day = date(year, 1, 1)
        while day.year == year:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            if on_holiday and name and day.weekday() < 5:
                holidays.append(Holiday(day=day, name=HOLIDAY_NAMES.get(str(name), str(name))))
            elif not on_holiday and day.weekday() >= 5:
                adjusted.append(day)
            day += timedelta(days=1)
        calendars.append(
            YearCalendar(
                year=year,
                holidays=holidays,
                adjusted_workdays=adjusted,
                source=f"chinesecalendar {chinese_calendar.__version__}",
            )
        )
    return calendars


def seed_calendar() -> list[int]:
    service = container.calendar()
    published = [service.publish(calendar)["year"] for calendar in calendar_years()]
    return published
