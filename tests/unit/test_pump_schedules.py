"""Schedule expressions of the local event pump: parsing as EventBridge would, and when they fire."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from chalice.app import Cron as ChaliceCron
from chalice.app import Rate as ChaliceRate

from infra.local.pump import Cron, Rate, ScheduledSource, ScheduleError, Scheduler, parse_schedule


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def following(expression: str, moment: str) -> datetime | None:
    return parse_schedule(expression).following(at(moment))


@pytest.mark.parametrize(
    ("expression", "interval"),
    [
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(1 hour)", timedelta(hours=1)),
        ("rate(12 hours)", timedelta(hours=12)),
        ("rate(1 day)", timedelta(days=1)),
        ("rate(7 days)", timedelta(days=7)),
    ],
)
def test_rate_expressions(expression: str, interval: timedelta) -> None:
    schedule = parse_schedule(expression)
    assert isinstance(schedule, Rate)
    assert schedule.interval == interval
    assert schedule.following(at("2024-05-01T10:00:30")) == at("2024-05-01T10:00:30") + interval


@pytest.mark.parametrize(
    "expression",
    [
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 minutes)",
        "rate(2 weeks)",
        "rate(minutes)",
        "every 5 minutes",
    ],
)
def test_invalid_rates_are_rejected(expression: str) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(expression)


def test_chalice_schedule_objects_are_accepted() -> None:
    assert parse_schedule(ChaliceRate(1, unit=ChaliceRate.HOURS)) == Rate("rate(1 hour)", timedelta(hours=1))
    nightly = parse_schedule(ChaliceCron(30, 2, "*", "*", "?", "*"))
    assert isinstance(nightly, Cron)
    assert nightly.following(at("2024-01-01T02:30:00")) == at("2024-01-02T02:30:00")


@pytest.mark.parametrize(
    ("expression", "moment", "expected"),
    [
        # steps from a start and from *
        ("cron(0/15 * * * ? *)", "2024-03-01T10:07:30", "2024-03-01T10:15:00"),
        ("cron(*/15 * * * ? *)", "2024-03-01T10:45:00", "2024-03-01T11:00:00"),
        ("cron(5-10/2 * * * ? *)", "2024-03-01T10:07:00", "2024-03-01T10:09:00"),
        ("cron(5-10/2 * * * ? *)", "2024-03-01T10:09:00", "2024-03-01T11:05:00"),
        # strictly after the given moment, across midnight and month ends
        ("cron(0 2 * * ? *)", "2024-01-01T02:00:00", "2024-01-02T02:00:00"),
        ("cron(59 23 * * ? *)", "2024-01-31T23:59:00.5", "2024-02-01T23:59:00"),
        # weekdays: AWS counts 1 = Sunday; names work too
        ("cron(30 9 ? * MON-FRI *)", "2024-03-01T10:00:00", "2024-03-04T09:30:00"),
        ("cron(0 8 ? * 1 *)", "2024-03-04T00:00:00", "2024-03-10T08:00:00"),
        ("cron(0 18 ? * 2,4,6 *)", "2024-03-05T18:00:00", "2024-03-06T18:00:00"),
        ("cron(0 18 ? * sat *)", "2024-03-05T18:00:00", "2024-03-09T18:00:00"),
        # months by name and number, lists, leap days, years
        ("cron(0 0 1 JAN,JUL ? *)", "2024-02-10T00:00:00", "2024-07-01T00:00:00"),
        ("cron(0 0 1 1-3 ? *)", "2024-03-01T00:00:00", "2025-01-01T00:00:00"),
        ("cron(0 12 29 2 ? *)", "2023-03-01T00:00:00", "2024-02-29T12:00:00"),
        ("cron(15 6 10 10 ? 2030-2031)", "2024-01-01T00:00:00", "2030-10-10T06:15:00"),
    ],
)
def test_cron_following(expression: str, moment: str, expected: str) -> None:
    assert following(expression, moment) == at(expected)


def test_cron_that_has_ended_never_fires() -> None:
    assert following("cron(0 0 1 1 ? 2020)", "2024-01-01T00:00:00") is None
    assert following("cron(0 0 30 2 ? *)", "2024-01-01T00:00:00") is None


def test_cron_weekday_numbering_matches_aws() -> None:
    sundays = parse_schedule("cron(0 0 ? * SUN *)")
    assert isinstance(sundays, Cron)
    assert sundays.days_of_week == (1,)
    assert sundays.matches_day(date(2024, 3, 10))  # a Sunday
    assert not sundays.matches_day(date(2024, 3, 11))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 12 * * * *)", "exactly one"),
        ("cron(0 12 ? * ? *)", "exactly one"),
        ("cron(0 12 * * ?)", "6 fields"),
        ("cron(0 12 L * ? *)", "not supported"),
        ("cron(0 12 ? * 6#3 *)", "not supported"),
        ("cron(0 12 15W * ? *)", "not supported"),
        ("cron(60 12 * * ? *)", "outside"),
        ("cron(0 24 * * ? *)", "outside"),
        ("cron(? 12 * * ? *)", "not a value"),
        ("cron(0 12 ? * FRI-MON *)", "backwards"),
        ("cron(0/0 12 * * ? *)", "step"),
        ("cron(0 12 * FOO ? *)", "not a value"),
    ],
)
def test_invalid_crons_are_rejected(expression: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(expression)


def _noop(event: dict[str, object], context: object) -> None:
    return None


def test_scheduler_fires_a_rate_once_per_interval_from_the_start() -> None:
    source = ScheduledSource("tick", _noop, parse_schedule("rate(1 minute)"))
    scheduler = Scheduler([source], start=at("2024-05-01T10:00:30"))
    assert scheduler.due(at("2024-05-01T10:01:29")) == []
    assert scheduler.due(at("2024-05-01T10:01:30")) == [(source, at("2024-05-01T10:01:30"))]
    assert scheduler.due(at("2024-05-01T10:01:31")) == []
    assert source.next_at == at("2024-05-01T10:02:30")


def test_scheduler_fires_a_cron_on_its_minute_boundary() -> None:
    source = ScheduledSource("quarter", _noop, parse_schedule("cron(0/15 * * * ? *)"))
    scheduler = Scheduler([source], start=at("2024-05-01T10:07:00"))
    assert scheduler.due(at("2024-05-01T10:14:59")) == []
    assert scheduler.due(at("2024-05-01T10:15:00.4")) == [(source, at("2024-05-01T10:15:00"))]
    assert scheduler.due(at("2024-05-01T10:15:30")) == []
    assert source.next_at == at("2024-05-01T10:30:00")


def test_scheduler_skips_runs_missed_while_stalled() -> None:
    source = ScheduledSource("quarter", _noop, parse_schedule("cron(0/15 * * * ? *)"))
    scheduler = Scheduler([source], start=at("2024-05-01T10:07:00"))
    assert scheduler.due(at("2024-05-01T11:20:00")) == [(source, at("2024-05-01T10:15:00"))]
    assert source.next_at == at("2024-05-01T11:30:00")


def test_scheduler_keeps_sources_apart() -> None:
    tick = ScheduledSource("tick", _noop, parse_schedule("rate(5 minutes)"))
    nightly = ScheduledSource("nightly", _noop, parse_schedule("cron(0 2 * * ? *)"))
    ended = ScheduledSource("ended", _noop, parse_schedule("cron(0 0 1 1 ? 2020)"))
    scheduler = Scheduler([tick, nightly, ended], start=at("2024-05-01T01:57:00"))
    assert ended.next_at is None
    assert scheduler.due(at("2024-05-01T02:00:00")) == [(nightly, at("2024-05-01T02:00:00"))]
    assert scheduler.due(at("2024-05-01T02:02:00")) == [(tick, at("2024-05-01T02:02:00"))]
