"""Working days: Monday to Friday except bank holidays in England and Wales.

One implementation for every part of allocopt: the 40-working-day assessment
window in scoring, and in the simulator the working days a household waited,
the days referrals arrive and the days meetings sit.

Bank holidays follow the standing rules (New Year's Day, Good Friday, Easter
Monday, the first and last Mondays of May, the last Monday of August,
Christmas Day and Boxing Day, with a weekday in lieu when one falls at a
weekend) and the one-off changes proclaimed so far, listed in
:data:`ONE_OFF_CHANGES`. When a new one-off day is proclaimed, add it there.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from functools import lru_cache

ONE_OFF_CHANGES: dict[int, tuple[tuple[date | None, date | None], ...]] = {
    # year: (standing day removed or None, day added or None), ...
    1995: ((date(1995, 5, 1), date(1995, 5, 8)),),          # VE Day 50th anniversary
    1999: ((None, date(1999, 12, 31)),),                     # millennium
    2002: ((date(2002, 5, 27), date(2002, 6, 4)), (None, date(2002, 6, 3))),  # golden jubilee
    2011: ((None, date(2011, 4, 29)),),                      # royal wedding
    2012: ((date(2012, 5, 28), date(2012, 6, 4)), (None, date(2012, 6, 5))),  # diamond jubilee
    2020: ((date(2020, 5, 4), date(2020, 5, 8)),),           # VE Day 75th anniversary
    2022: ((date(2022, 5, 30), date(2022, 6, 2)), (None, date(2022, 6, 3)),  # platinum jubilee
           (None, date(2022, 9, 19))),                       # state funeral
    2023: ((None, date(2023, 5, 8)),),                       # coronation
}
"""Bank holidays moved or added by proclamation, by year."""


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _monday_on_or_after(d: date) -> date:
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


@lru_cache(maxsize=256)
def bank_holidays(year: int) -> frozenset[date]:
    """The bank holidays of England and Wales in `year`."""
    days: set[date] = set()
    new_year = date(year, 1, 1)
    days.add(_monday_on_or_after(new_year) if new_year.weekday() >= 5 else new_year)
    easter = easter_sunday(year)
    days |= {easter - timedelta(days=2), easter + timedelta(days=1)}
    days.add(_monday_on_or_after(date(year, 5, 1)))
    days.add(_last_monday(year, 5))
    days.add(_last_monday(year, 8))
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    if christmas.weekday() == 5:            # Saturday: Monday and Tuesday in lieu
        days |= {date(year, 12, 27), date(year, 12, 28)}
    elif christmas.weekday() == 6:          # Sunday: Boxing Day Monday, Tuesday in lieu
        days |= {boxing, date(year, 12, 27)}
    elif christmas.weekday() == 4:          # Friday: Boxing Day on Saturday, Monday in lieu
        days |= {christmas, date(year, 12, 28)}
    else:
        days |= {christmas, boxing}
    for removed, added in ONE_OFF_CHANGES.get(year, ()):
        if removed is not None:
            days.discard(removed)
        if added is not None:
            days.add(added)
    return frozenset(days)


def is_working_day(d: date) -> bool:
    """Monday to Friday and not a bank holiday."""
    return d.weekday() < 5 and d not in bank_holidays(d.year)


def _weekdays_through(d: date) -> int:
    """Mondays to Fridays from an arbitrary origin through `d` (a running count)."""
    n = d.toordinal()  # ordinal 1 (0001-01-01) is a Monday
    weeks, rest = divmod(n, 7)
    return 5 * weeks + min(rest, 5)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after)."""
    if end <= start:
        return 0
    weekdays = _weekdays_through(end) - _weekdays_through(start)
    holidays = sum(1 for year in range(start.year, end.year + 1) for h in bank_holidays(year)
                   if start < h <= end and h.weekday() < 5)
    return weekdays - holidays


def add_working_days(start: date, n: int) -> date:
    """The `n`-th working day after `start` (`start` itself for 0)."""
    d = start
    while n > 0:
        d += timedelta(days=1)
        n -= is_working_day(d)
    return d


class WorkingDayClock:
    """Working days on a simulation clock: day 0 is `origin`; time counts in days.

    Fractions of a day count as working time only on a working day.
    """

    def __init__(self, origin: date) -> None:
        self.origin = origin
        self._working: list[bool] = []
        self._before: list[int] = [0]
        """_before[k]: working days among days 0 .. k-1."""

    def _extend(self, day: int) -> None:
        while len(self._working) <= day:
            k = len(self._working)
            flag = is_working_day(self.origin + timedelta(days=k))
            self._working.append(flag)
            self._before.append(self._before[-1] + flag)

    def is_working(self, day: int) -> bool:
        """Whether day number `day` (0 = origin) is a working day."""
        self._extend(day)
        return self._working[day]

    def between(self, t0: float, t1: float) -> float:
        """Working time, in days, between two moments on the clock."""
        if t1 <= t0:
            return 0.0
        d0, d1 = math.floor(t0), math.floor(t1)
        self._extend(d1)
        if d0 == d1:
            return (t1 - t0) if self._working[d0] else 0.0
        total = (d0 + 1 - t0) if self._working[d0] else 0.0
        total += (t1 - d1) if self._working[d1] else 0.0
        return total + (self._before[d1] - self._before[d0 + 1])
