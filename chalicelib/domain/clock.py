"""Time as the gateway states it: Beijing time (UTC+8), RFC 3339 with the +08:00 offset."""

from __future__ import annotations

import re
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


# RFC 3339 §5.6 date-time: a full date, a full time and an offset (`Z` or ±hh:mm), nothing else.
RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})",
    re.ASCII,
)


def parse_rfc3339(text: object) -> datetime:
    """An RFC 3339 date-time with its offset; ValueError for anything else (a naive time, a date
    alone, a number, None), so a time from outside is never compared without its zone."""
    if not isinstance(text, str) or not RFC3339.fullmatch(text):
        raise ValueError("not an RFC 3339 date-time with an offset")
    fraction = re.search(r"\.(\d+)", text)
    if fraction is not None and len(fraction.group(1)) > 6:  # Python keeps microseconds
        text = text.replace(fraction.group(0), "." + fraction.group(1)[:6])
    return datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
