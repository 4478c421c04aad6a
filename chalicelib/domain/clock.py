"""Time as the gateway states it: Beijing time (UTC+8), RFC 3339 with the +08:00 offset."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(BEIJING)


def beijing_date(moment: datetime) -> date:
    return moment.astimezone(BEIJING).date()


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")
