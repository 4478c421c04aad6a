"""Working-day time limits (办理时限): due dates, days left and the traffic light.

Pure standard library: the sweep that computes thousands of deadlines runs this module alone.

Counting rules
--------------
* Time limits are counted in working days (工作日) of the published calendars (工作日历).
* The day the clock starts is not counted (期间开始之日不计算在内): the first counted day is the
  next working day after ``started``. A limit of ``n`` days is due on the ``n``-th working day
  after ``started``.
* A limit of 0 days (即办件, items handled on the spot) is due on the start day itself.
* The clock stops during a pause (补正 supplement of materials, 特别程序 special procedures such as
  inspection or expert review): for a pause starting on day ``s`` and resumed on day ``e``, the
  working days in ``(s, e]`` are not counted; counting resumes with the first working day after
  ``e``. While a pause is open (no resume day yet) the deadline has no due date.
* A pause that starts on or after the day the limit is reached does not move the due date.
* A year whose calendar is not published yet (the State Council publishes next year's calendar
  late in the year) is guessed as Monday to Friday. A deadline that counted any day of such a year
  is provisional (暂定) and must be recomputed once that year is published.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from itertools import pairwise
from typing import Protocol

__all__ = [
    "Deadline",
    "Light",
    "Pause",
    "PublishedYear",
    "WorkingCalendar",
    "YearWorkingDays",
    "compute_deadline",
    "light",
    "working_days_left",
    "working_days_used",
]

_YELLOW_PERCENT = 20  # yellow when at most 20 % of the limit is left …
_YELLOW_FLOOR = 1  # … or at most one working day


class YearWorkingDays(Protocol):
    """One published year of the working-day calendar (e.g. ``YearCalendar``)."""

    def is_working_day(self, day: date, /) -> bool: ...


class PublishedYear(YearWorkingDays, Protocol):
    """A published year that knows which year it is (``YearCalendar`` has ``.year``)."""

    @property
    def year(self) -> int: ...


@dataclass(frozen=True, slots=True)
class _YearIndex:
    """The working days of one year as sorted ordinals, and as a set for membership."""

    ordinals: tuple[int, ...]
    members: frozenset[int]


def _index(year: int, calendar: YearWorkingDays | None) -> _YearIndex:
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    days = (date.fromordinal(o) for o in range(first, last + 1))
    if calendar is None:
        ordinals = tuple(d.toordinal() for d in days if d.weekday() < 5)
    else:
        ordinals = tuple(d.toordinal() for d in days if calendar.is_working_day(d))
    return _YearIndex(ordinals, frozenset(ordinals))


@cache
def _guessed(year: int) -> _YearIndex:
    """An unpublished year: Monday to Friday (best guess until the calendar is published)."""
    return _index(year, None)


class WorkingCalendar:
    """The working-day calendar (工作日历) over all published years, indexed for fast counting.

    Each published year is scanned once, on first use, into a sorted tuple of working-day ordinals;
    counting and adding working days are then binary searches. The calendars are a snapshot: build
    a new ``WorkingCalendar`` when a year is published.
    """

    __slots__ = ("_cache", "_years")

    def __init__(self, years: Mapping[int, YearWorkingDays]) -> None:
        self._years: dict[int, YearWorkingDays] = dict(years)
        self._cache: dict[int, _YearIndex] = {}

    @classmethod
    def of(cls, calendars: Iterable[PublishedYear]) -> WorkingCalendar:
        """Build from published years that carry their ``year`` (e.g. ``YearCalendar`` records)."""
        years: dict[int, YearWorkingDays] = {}
        for calendar in calendars:
            if calendar.year in years:
                raise ValueError(f"year {calendar.year} is given twice")
            years[calendar.year] = calendar
        return cls(years)

    def is_published(self, year: int) -> bool:
        """Whether the State Council calendar for ``year`` is known."""
        return year in self._years

    def _year(self, year: int) -> _YearIndex:
        calendar = self._years.get(year)
        if calendar is None:
            return _guessed(year)
        index = self._cache.get(year)
        if index is None:
            index = self._cache[year] = _index(year, calendar)
        return index

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day; Monday to Friday in an unpublished year (a guess)."""
        return day.toordinal() in self._year(day.year).members

    def count_working_days(self, after: date, through: date) -> int:
        """The number of working days ``d`` with ``after < d <= through`` (0 if ``through <= after``)."""
        if through <= after:
            return 0
        low, high = after.toordinal(), through.toordinal()
        total = 0
        for year in range(after.year, through.year + 1):
            ordinals = self._year(year).ordinals
            total += bisect_right(ordinals, high) - bisect_right(ordinals, low)
        return total

    def add_working_days(self, day: date, count: int) -> date:
        """The ``count``-th working day after ``day`` (``day`` itself is not counted); ``day`` for 0."""
        if count < 0:
            raise ValueError("count must not be negative")
        if count == 0:
            return day
        year = day.year
        position = bisect_right(self._year(year).ordinals, day.toordinal())
        while True:
            ordinals = self._year(year).ordinals
            available = len(ordinals) - position
            if count <= available:
                return date.fromordinal(ordinals[position + count - 1])
            count -= available
            year += 1
            position = 0
            if year > date.max.year:
                raise ValueError("the limit runs past the last representable date")

    def unpublished_years(self, after: date, through: date) -> tuple[int, ...]:
        """The unpublished years a count over ``(after, through]`` touches, ascending."""
        if through <= after:
            return ()
        first = (after + timedelta(days=1)).year
        return tuple(year for year in range(first, through.year + 1) if year not in self._years)


@dataclass(frozen=True, slots=True)
class Pause:
    """An interval during which the clock stops (补正 supplement, 特别程序 special procedure).

    The working days after ``start`` up to and including ``end`` (the day the clock resumes) are not
    counted. ``end`` is None while the pause is open.
    """

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError("a pause cannot end before it starts")


@dataclass(frozen=True, slots=True)
class Deadline:
    """The due date of a time limit (办理时限) and how it was reached.

    ``due`` is None exactly while the clock is stopped (``paused``). ``used_working_days`` is the
    number of working days counted: up to the start of the open pause while paused, ``limit_days``
    once the due date is known. ``provisional`` deadlines counted days of a year whose calendar is
    not published (``provisional_years``) and must be recomputed when it is.
    """

    due: date | None
    provisional: bool
    provisional_years: tuple[int, ...]
    paused: bool
    used_working_days: int
    limit_days: int

    def __post_init__(self) -> None:
        if (self.due is None) != self.paused:
            raise ValueError("a deadline has no due date exactly while it is paused")
        if self.provisional != bool(self.provisional_years):
            raise ValueError("a deadline is provisional exactly when it has provisional years")
        if not 0 <= self.used_working_days <= self.limit_days:
            raise ValueError("used working days must lie between 0 and the limit")

    @property
    def remaining_working_days(self) -> int:
        """Working days of the limit not yet used (while paused: what is left when the clock resumes)."""
        return self.limit_days - self.used_working_days


def _ordered_pauses(started: date, pauses: Sequence[Pause]) -> list[Pause]:
    ordered = sorted(pauses, key=lambda p: (p.start, p.end or date.max))
    for pause in ordered:
        if pause.start < started:
            raise ValueError(f"a pause starts on {pause.start}, before the clock started on {started}")
    for before, after in pairwise(ordered):
        if before.end is None or after.start < before.end:
            raise ValueError(f"pauses overlap: {before} and {after}")
    return ordered


def compute_deadline(
    calendar: WorkingCalendar, started: date, limit_days: int, pauses: Sequence[Pause] = ()
) -> Deadline:
    """The due date of a ``limit_days`` working-day limit (办理时限) started on ``started``.

    ``pauses`` may come in any order; they must not overlap (one may start on the day the previous
    one resumes) nor start before ``started``, else ValueError. See the module docstring for the
    counting rules.
    """
    if limit_days < 0:
        raise ValueError("limit_days must not be negative")
    ordered = _ordered_pauses(started, pauses)
    if limit_days == 0:  # 即办件: due on the start day
        return Deadline(started, False, (), False, 0, 0)

    touched: set[int] = set()
    used = 0
    cursor = started  # the last day not counted or counted so far; counting continues after it
    for pause in ordered:
        span = calendar.count_working_days(cursor, pause.start)
        if used + span >= limit_days:
            break  # the limit is reached on or before this pause starts
        touched.update(calendar.unpublished_years(cursor, pause.start))
        used += span
        if pause.end is None:
            years = tuple(sorted(touched))
            return Deadline(None, bool(years), years, True, used, limit_days)
        cursor = pause.end
    due = calendar.add_working_days(cursor, limit_days - used)
    touched.update(calendar.unpublished_years(cursor, due))
    years = tuple(sorted(touched))
    return Deadline(due, bool(years), years, False, limit_days, limit_days)


def working_days_used(
    calendar: WorkingCalendar, started: date, today: date, limit_days: int, pauses: Sequence[Pause] = ()
) -> int:
    """Working days of a limit counted from ``started`` through ``today``, at most ``limit_days``.

    The start day is not counted, so it is 0 on the day the clock starts; the days a pause covers
    (after its start, through its end or through ``today`` while it is open) are not counted.
    """
    ordered = _ordered_pauses(started, pauses)
    used = 0
    cursor = started
    for pause in ordered:
        if pause.start >= today:
            break
        used += calendar.count_working_days(cursor, pause.start)
        if pause.end is None or pause.end >= today:
            return min(used, limit_days)
        cursor = pause.end
    used += calendar.count_working_days(cursor, today)
    return min(used, limit_days)


def working_days_left(calendar: WorkingCalendar, today: date, due: date) -> int:
    """Working days after ``today`` up to and including ``due``; 0 on the due day.

    Overdue, it is minus the working days elapsed after ``due`` up to and including ``today`` — so
    it is still 0 on a non-working day right after the due date: use ``today > due`` to tell overdue.
    """
    if due >= today:
        return calendar.count_working_days(today, due)
    return -calendar.count_working_days(due, today)


class Light(StrEnum):
    """The supervision traffic light (红黄绿灯预警) of a time limit."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


def _is_yellow(left: int, limit_days: int) -> bool:
    return left <= _YELLOW_FLOOR or left * 100 <= limit_days * _YELLOW_PERCENT


def light(calendar: WorkingCalendar, today: date, deadline: Deadline) -> Light:
    """Red once ``today`` is after the due date; yellow when at most 20 % of the limit is left in
    working days (and at least on the last working day); green otherwise.

    A paused deadline keeps the light of the time used so far (``limit - used`` days left).
    """
    if deadline.due is None:
        left = deadline.remaining_working_days
    elif today > deadline.due:
        return Light.RED
    else:
        left = working_days_left(calendar, today, deadline.due)
    return Light.YELLOW if _is_yellow(left, deadline.limit_days) else Light.GREEN
