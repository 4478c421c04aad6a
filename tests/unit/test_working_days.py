"""Working-day time limits (办理时限) over the real 2025 and 2026 calendars (chinesecalendar)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.calendar import Holiday, YearCalendar
from chalicelib.domain.working_days import (
    Deadline,
    Light,
    Pause,
    WorkingCalendar,
    compute_deadline,
    light,
    working_days_left,
)
from infra.local.seed import calendar_years

PUBLISHED = [c for c in calendar_years() if c.year in (2025, 2026)]
CAL = WorkingCalendar.of(PUBLISHED)
# A made-up 2027 calendar: only New Year's Day (Friday 2027-01-01) off.
MADE_UP_2027 = YearCalendar(
    year=2027,
    holidays=[Holiday(day=date(2027, 1, 1), name="元旦")],
    adjusted_workdays=[],
    source="test: made up",
)
CAL_WITH_2027 = WorkingCalendar.of([*PUBLISHED, MADE_UP_2027])


def d(text: str) -> date:
    return date.fromisoformat(text)


def due_of(started: str, limit: int, pauses: tuple[Pause, ...] = ()) -> date | None:
    return compute_deadline(CAL, d(started), limit, pauses).due


# --- the calendar ------------------------------------------------------------------------------


def test_the_published_years_come_from_the_seeded_calendars() -> None:
    assert not CAL.is_published(2024)
    assert CAL.is_published(2025)
    assert CAL.is_published(2026)
    assert not CAL.is_published(2027)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-10-01", False),  # 国庆节
        ("2026-10-07", False),  # 国庆节, a Wednesday
        ("2026-10-08", True),
        ("2026-09-20", True),  # 调休: Sunday worked
        ("2026-10-10", True),  # 调休: Saturday worked
        ("2026-10-11", False),  # an ordinary Sunday
        ("2026-09-25", False),  # 中秋节
        ("2026-02-14", True),  # 调休 before 春节
        ("2026-02-23", False),  # 春节
        ("2027-01-01", True),  # unpublished: a Friday is a working day (best guess)
        ("2027-01-02", False),  # unpublished: a Saturday is not
    ],
)
def test_is_working_day(day: str, working: bool) -> None:
    assert CAL.is_working_day(d(day)) is working


def test_the_index_agrees_with_the_year_calendars_day_by_day() -> None:
    for calendar in PUBLISHED:
        day = date(calendar.year, 1, 1)
        while day.year == calendar.year:
            assert CAL.is_working_day(day) is calendar.is_working_day(day), day
            day += timedelta(days=1)


def test_unpublished_years_touched_by_a_count() -> None:
    assert CAL.unpublished_years(d("2026-12-10"), d("2026-12-31")) == ()
    assert CAL.unpublished_years(d("2026-12-31"), d("2027-01-01")) == (2027,)
    assert CAL.unpublished_years(d("2026-12-10"), d("2028-03-01")) == (2027, 2028)
    assert CAL.unpublished_years(d("2027-01-05"), d("2027-01-05")) == ()


def test_a_year_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        WorkingCalendar.of([*PUBLISHED, PUBLISHED[0]])


def test_a_mapping_of_any_working_day_oracle_is_accepted() -> None:
    class EveryDay:
        def is_working_day(self, day: date, /) -> bool:
            return True

    every_day = WorkingCalendar({2026: EveryDay()})
    assert compute_deadline(every_day, d("2026-10-01"), 3).due == d("2026-10-04")


# --- due dates ---------------------------------------------------------------------------------


def test_national_day_2026_is_skipped_and_the_adjusted_saturday_counts() -> None:
    # Counted: Oct 8 (Thu), Oct 9 (Fri), Oct 10 (Sat, 调休), Oct 12, Oct 13.
    deadline = compute_deadline(CAL, d("2026-09-30"), 5)
    assert deadline == Deadline(
        due=d("2026-10-13"),
        provisional=False,
        provisional_years=(),
        paused=False,
        used_working_days=5,
        limit_days=5,
    )
    assert due_of("2026-09-30", 3) == d("2026-10-10")  # due on the 调休 Saturday


def test_the_adjusted_sunday_before_national_day_counts() -> None:
    # Started Friday Sep 18: Sep 20 (Sun, 调休) is the first counted day.
    assert due_of("2026-09-18", 1) == d("2026-09-20")
    assert due_of("2026-09-18", 2) == d("2026-09-21")
    # Ten days from Sep 15 skip 中秋节 (Fri Sep 25) but count Sep 20.
    assert due_of("2026-09-15", 10) == d("2026-09-29")


def test_spring_festival_2026() -> None:
    # Started Fri Feb 13: Feb 14 (Sat, 调休), then nothing until Tue Feb 24.
    assert due_of("2026-02-13", 1) == d("2026-02-14")
    assert due_of("2026-02-13", 2) == d("2026-02-24")
    assert due_of("2026-02-13", 3) == d("2026-02-25")
    # Started on the holiday itself: the first counted day is the next working day.
    assert due_of("2026-02-18", 1) == d("2026-02-24")


def test_spring_festival_2025() -> None:
    # Started Fri Jan 24: Jan 26 (Sun, 调休), Jan 27, then Feb 5, 6, 7 and Feb 8 (Sat, 调休).
    assert due_of("2025-01-24", 2) == d("2025-01-27")
    assert due_of("2025-01-24", 3) == d("2025-02-05")
    assert due_of("2025-01-24", 5) == d("2025-02-07")
    assert due_of("2025-01-24", 6) == d("2025-02-08")


def test_the_start_day_is_not_counted() -> None:
    # Mon 2026-03-02: the first counted day is Tuesday.
    assert due_of("2026-03-02", 1) == d("2026-03-03")
    # Started on a Saturday: the first counted day is Monday.
    assert due_of("2026-03-07", 1) == d("2026-03-09")


def test_an_immediate_item_is_due_on_the_start_day() -> None:
    # 即办件, even when started on a holiday or in an unpublished year.
    assert compute_deadline(CAL, d("2026-10-01"), 0) == Deadline(d("2026-10-01"), False, (), False, 0, 0)
    assert compute_deadline(CAL, d("2027-06-01"), 0) == Deadline(d("2027-06-01"), False, (), False, 0, 0)


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        compute_deadline(CAL, d("2026-03-02"), -1)


def test_a_limit_ending_on_the_last_day_of_a_published_year_is_final() -> None:
    deadline = compute_deadline(CAL, d("2026-12-10"), 15)
    assert deadline.due == d("2026-12-31")
    assert not deadline.provisional


def test_a_limit_into_an_unpublished_year_is_provisional_and_recomputed_once_published() -> None:
    # Thu 2026-12-10 + 20: Dec 11, 14–18, 21–25, 28–31 (15), Jan 1 2027 guessed (16), Jan 4–7.
    provisional = compute_deadline(CAL, d("2026-12-10"), 20)
    assert provisional == Deadline(
        due=d("2027-01-07"),
        provisional=True,
        provisional_years=(2027,),
        paused=False,
        used_working_days=20,
        limit_days=20,
    )
    # 2027 published with New Year's Day off: one day later, final.
    final = compute_deadline(CAL_WITH_2027, d("2026-12-10"), 20)
    assert final == Deadline(
        due=d("2027-01-08"),
        provisional=False,
        provisional_years=(),
        paused=False,
        used_working_days=20,
        limit_days=20,
    )


def test_a_long_limit_can_touch_several_unpublished_years() -> None:
    deadline = compute_deadline(CAL, d("2026-12-10"), 300)
    assert deadline.due is not None
    assert deadline.due.year == 2028
    assert deadline.provisional_years == (2027, 2028)


# --- pauses (补正, 特别程序) -------------------------------------------------------------------
# Started Mon 2026-03-02 (no holidays in March): 10 days are due Mon Mar 16.


def test_without_pause() -> None:
    assert due_of("2026-03-02", 10) == d("2026-03-16")


def test_a_closed_pause_stops_the_clock_through_the_resume_day() -> None:
    # Counted Mar 3, 4; Mar 5, 6, 9, 10 not counted; resumes Mar 11 → 8 more → Fri Mar 20.
    deadline = compute_deadline(CAL, d("2026-03-02"), 10, [Pause(d("2026-03-04"), d("2026-03-10"))])
    assert deadline == Deadline(d("2026-03-20"), False, (), False, 10, 10)


def test_an_open_pause_has_no_due_date() -> None:
    deadline = compute_deadline(CAL, d("2026-03-02"), 10, [Pause(d("2026-03-04"))])
    assert deadline == Deadline(
        due=None,
        provisional=False,
        provisional_years=(),
        paused=True,
        used_working_days=2,
        limit_days=10,
    )
    assert deadline.remaining_working_days == 8


def test_an_open_pause_after_a_closed_one() -> None:
    pauses = [Pause(d("2026-03-13")), Pause(d("2026-03-04"), d("2026-03-10"))]
    deadline = compute_deadline(CAL, d("2026-03-02"), 10, pauses)
    assert deadline.paused
    assert deadline.due is None
    assert deadline.used_working_days == 5  # Mar 3, 4, 11, 12, 13


def test_several_pauses_in_any_order() -> None:
    # Mar 3, 4 | pause | Mar 11, 12, 13 | pause through Mar 17 | Mar 18, 19, 20, 23, 24.
    first = Pause(d("2026-03-04"), d("2026-03-10"))
    second = Pause(d("2026-03-13"), d("2026-03-17"))
    assert due_of("2026-03-02", 10, (first, second)) == d("2026-03-24")
    assert due_of("2026-03-02", 10, (second, first)) == d("2026-03-24")


def test_a_pause_may_start_on_the_day_the_previous_one_resumes() -> None:
    touching = (Pause(d("2026-03-06"), d("2026-03-10")), Pause(d("2026-03-04"), d("2026-03-06")))
    assert due_of("2026-03-02", 10, touching) == d("2026-03-20")


def test_a_pause_on_the_start_day_and_an_empty_pause() -> None:
    assert due_of("2026-03-02", 10, (Pause(d("2026-03-02"), d("2026-03-04")),)) == d("2026-03-18")
    assert due_of("2026-03-02", 10, (Pause(d("2026-03-05"), d("2026-03-05")),)) == d("2026-03-16")


def test_a_pause_on_non_working_days_changes_nothing() -> None:
    assert due_of("2026-03-02", 10, (Pause(d("2026-03-06"), d("2026-03-08")),)) == d("2026-03-16")


def test_a_pause_starting_on_or_after_the_due_date_does_not_move_it() -> None:
    assert due_of("2026-03-02", 10, (Pause(d("2026-03-16"), d("2026-03-20")),)) == d("2026-03-16")
    assert due_of("2026-03-02", 10, (Pause(d("2026-03-18")),)) == d("2026-03-16")
    # The day before: nine days used, the tenth is the first working day after the resume day.
    assert due_of("2026-03-02", 10, (Pause(d("2026-03-13"), d("2026-03-20")),)) == d("2026-03-23")


def test_a_pause_over_national_day() -> None:
    # Mon Sep 28: Sep 29 counted; paused Sep 29 → Oct 9; Oct 10 (调休), 12, 13, 14.
    assert due_of("2026-09-28", 5, (Pause(d("2026-09-29"), d("2026-10-09")),)) == d("2026-10-14")


def test_an_open_pause_in_an_unpublished_year_is_provisional() -> None:
    deadline = compute_deadline(CAL, d("2026-12-10"), 20, [Pause(d("2027-01-04"))])
    assert deadline == Deadline(None, True, (2027,), True, 17, 20)
    published = compute_deadline(CAL_WITH_2027, d("2026-12-10"), 20, [Pause(d("2027-01-04"))])
    assert published == Deadline(None, False, (), True, 16, 20)


def test_a_pause_resuming_in_an_unpublished_year_is_provisional() -> None:
    deadline = compute_deadline(CAL, d("2026-12-10"), 5, [Pause(d("2026-12-11"), d("2027-01-04"))])
    assert deadline.due == d("2027-01-08")
    assert deadline.provisional_years == (2027,)


@pytest.mark.parametrize(
    "pauses",
    [
        (Pause(d("2026-03-04"), d("2026-03-10")), Pause(d("2026-03-09"), d("2026-03-12"))),
        (Pause(d("2026-03-09"), d("2026-03-12")), Pause(d("2026-03-04"), d("2026-03-10"))),
        (Pause(d("2026-03-04"), d("2026-03-20")), Pause(d("2026-03-09"), d("2026-03-12"))),
        (Pause(d("2026-03-04")), Pause(d("2026-03-09"), d("2026-03-12"))),
        (Pause(d("2026-03-04")), Pause(d("2026-03-09"))),
        (Pause(d("2026-03-04"), d("2026-03-10")), Pause(d("2026-03-04"), d("2026-03-05"))),
    ],
)
def test_overlapping_pauses_are_refused(pauses: tuple[Pause, ...]) -> None:
    with pytest.raises(ValueError, match="overlap"):
        compute_deadline(CAL, d("2026-03-02"), 10, pauses)


def test_a_pause_before_the_start_is_refused() -> None:
    with pytest.raises(ValueError, match="before the clock started"):
        compute_deadline(CAL, d("2026-03-02"), 10, [Pause(d("2026-03-01"), d("2026-03-04"))])


def test_a_pause_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="end before"):
        Pause(d("2026-03-04"), d("2026-03-03"))


def test_a_deadline_is_paused_exactly_when_it_has_no_due_date() -> None:
    with pytest.raises(ValueError, match="paused"):
        Deadline(None, False, (), False, 0, 10)
    with pytest.raises(ValueError, match="provisional"):
        Deadline(d("2026-03-16"), True, (), False, 10, 10)


# --- working days left -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "left"),
    [
        ("2026-09-30", 5),  # Oct 8, 9, 10, 12, 13
        ("2026-10-03", 5),  # during the holiday
        ("2026-10-09", 3),  # Oct 10 (调休), 12, 13
        ("2026-10-10", 2),
        ("2026-10-12", 1),
        ("2026-10-13", 0),  # the due day
        ("2026-10-14", -1),
        ("2026-10-17", -3),  # Saturday: Oct 14, 15, 16 elapsed
        ("2026-10-19", -4),
    ],
)
def test_working_days_left(today: str, left: int) -> None:
    assert working_days_left(CAL, d(today), d("2026-10-13")) == left


def test_working_days_left_is_zero_on_the_weekend_right_after_the_due_date() -> None:
    # Due Fri Mar 20: no working day has elapsed by Saturday, yet the item is overdue (light red).
    assert working_days_left(CAL, d("2026-03-21"), d("2026-03-20")) == 0
    deadline = compute_deadline(CAL, d("2026-03-02"), 14)
    assert deadline.due == d("2026-03-20")
    assert light(CAL, d("2026-03-21"), deadline) is Light.RED


# --- the light ---------------------------------------------------------------------------------
# Limit 20 from Mon 2026-03-02: due Mon Mar 30; limit 3: due Thu Mar 5; limit 0: due Mar 2.


@pytest.mark.parametrize(
    ("limit", "today", "expected"),
    [
        (20, "2026-03-02", Light.GREEN),
        (20, "2026-03-22", Light.GREEN),  # Sunday, 6 left
        (20, "2026-03-23", Light.GREEN),  # 5 left
        (20, "2026-03-24", Light.YELLOW),  # 4 left = 20 %
        (20, "2026-03-27", Light.YELLOW),  # 1 left
        (20, "2026-03-28", Light.YELLOW),  # Saturday, 1 left
        (20, "2026-03-30", Light.YELLOW),  # due today, 0 left
        (20, "2026-03-31", Light.RED),
        (3, "2026-03-03", Light.GREEN),  # 2 left
        (3, "2026-03-04", Light.YELLOW),  # 1 left: the floor
        (3, "2026-03-05", Light.YELLOW),  # 0 left
        (3, "2026-03-06", Light.RED),
        (10, "2026-03-11", Light.GREEN),  # 3 left
        (10, "2026-03-12", Light.YELLOW),  # 2 left = 20 %
        (0, "2026-03-02", Light.YELLOW),  # 即办件 on the due day
        (0, "2026-03-03", Light.RED),
    ],
)
def test_light(limit: int, today: str, expected: Light) -> None:
    deadline = compute_deadline(CAL, d("2026-03-02"), limit)
    assert light(CAL, d(today), deadline) is expected


@pytest.mark.parametrize(
    ("pause_start", "used", "expected"),
    [
        ("2026-03-03", 1, Light.GREEN),
        ("2026-03-23", 15, Light.GREEN),  # 5 left
        ("2026-03-24", 16, Light.YELLOW),  # 4 left
        ("2026-03-27", 19, Light.YELLOW),  # 1 left
    ],
)
def test_a_paused_deadline_keeps_its_light(pause_start: str, used: int, expected: Light) -> None:
    deadline = compute_deadline(CAL, d("2026-03-02"), 20, [Pause(d(pause_start))])
    assert deadline.paused
    assert deadline.used_working_days == used
    # However late it is: the clock is stopped.
    assert light(CAL, d("2026-12-31"), deadline) is expected


def test_light_values_are_their_names() -> None:
    assert [str(value) for value in Light] == ["green", "yellow", "red"]


# --- invariants over many start dates ----------------------------------------------------------


def _naive_due(started: date, limit: int) -> date:
    """A day-by-day reference straight from the YearCalendars (Monday to Friday when unpublished)."""
    by_year = {c.year: c for c in PUBLISHED}
    day, counted = started, 0
    while counted < limit:
        day += timedelta(days=1)
        calendar = by_year.get(day.year)
        if calendar.is_working_day(day) if calendar is not None else day.weekday() < 5:
            counted += 1
    return day


def test_invariants_over_every_start_date_of_2025_and_2026() -> None:
    limits = (0, 1, 2, 3, 5, 7, 10, 15, 20, 30, 60)
    started = date(2025, 1, 1)
    while started.year < 2027:
        for limit in limits:
            deadline = compute_deadline(CAL, started, limit)
            due = deadline.due
            assert due is not None
            assert not deadline.paused
            assert due == _naive_due(started, limit), (started, limit)
            assert CAL.count_working_days(started, due) == limit
            assert working_days_left(CAL, started, due) == limit
            assert deadline.provisional is (due.year == 2027)
            assert deadline.provisional_years == ((2027,) if due.year == 2027 else ())
            if limit == 0:
                assert due == started
            else:
                assert CAL.is_working_day(due)
                assert CAL.count_working_days(started, due - timedelta(days=1)) == limit - 1
        started += timedelta(days=1)


def test_pause_invariants_over_many_start_dates() -> None:
    # The days counted before a closed pause and after its resume day make up the limit.
    limit = 20
    started = date(2025, 1, 1)
    while started.year < 2027:
        for offset, length in ((0, 3), (1, 10), (5, 0), (9, 30), (25, 4)):
            start = started + timedelta(days=offset)
            end = start + timedelta(days=length)
            deadline = compute_deadline(CAL, started, limit, [Pause(start, end)])
            due = deadline.due
            assert due is not None
            assert CAL.is_working_day(due)
            before = CAL.count_working_days(started, start)
            if before >= limit:
                assert due == compute_deadline(CAL, started, limit).due
            else:
                assert before + CAL.count_working_days(end, due) == limit, (started, start, end)
        started += timedelta(days=10)
