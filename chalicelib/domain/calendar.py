"""The working-day calendar (工作日历): public holidays and the weekend days worked instead (调休).

A year's calendar is published by the State Council late in the previous year; the gateway keeps
one record per published year.
"""

from __future__ import annotations

from datetime import date
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Holiday(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    day: date
    name: str = Field(min_length=1, max_length=50)


class YearCalendar(BaseModel):
    """Days off that would be working days (holidays) and weekend days that are worked (调休)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int = Field(ge=2000, le=2100)
    holidays: list[Holiday]
    adjusted_workdays: list[date]  # 调休上班的周末
    source: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _days_in_year(self) -> Self:
        days = [h.day for h in self.holidays] + list(self.adjusted_workdays)
        if any(d.year != self.year for d in days):
            raise ValueError("every day must fall in the calendar's year")
        if any(d.weekday() < 5 for d in self.adjusted_workdays):
            raise ValueError("adjusted workdays (调休) are weekend days")
        if {h.day for h in self.holidays} & set(self.adjusted_workdays):
            raise ValueError("a day cannot be both a holiday and an adjusted workday")
        return self

    def is_working_day(self, day: date) -> bool:
        if day in self.adjusted_workdays:
            return True
        if any(h.day == day for h in self.holidays):
            return False
        return day.weekday() < 5
