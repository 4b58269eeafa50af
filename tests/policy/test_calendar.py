"""The retention calendar: when a record may be erased, and when it must be gone.

Every deadline pledge enforces comes from ``pledge.policy.calendar``: the sweep deletes by it,
the rights desk refuses early erasure by it, and the notice prints its dates. These tests pin
the arithmetic a reader of the policy relies on (leap days, month ends, 31 March, daylight
saving) and then check its promises for many random records with hypothesis.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import functools
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from pledge.policy import load
from pledge.policy.calendar import Deadline, Duration, FiscalYearEnd, deadline
from pledge.policy.schema import Retention

UTC = dt.UTC
TOKYO = ZoneInfo("Asia/Tokyo")
LONDON = ZoneInfo("Europe/London")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
ZONES = ["UTC", "Europe/London", "Asia/Tokyo", "America/Sao_Paulo", "Australia/Lord_Howe"]
POLICIES = Path(__file__).resolve().parents[2] / "policies"


def at(zone: ZoneInfo, *parts: int, fold: int = 0) -> dt.datetime:
    """The instant (in UTC) a local wall time in ``zone`` names.

    ``fold=1`` names the second pass of a repeated hour. UTC, because Python never calls an
    aware time in a repeated or skipped hour equal to the same instant in another zone.
    """
    return dt.datetime(*parts, tzinfo=zone, fold=fold).astimezone(UTC)  # type: ignore[misc]


def rule(
    minimum: str | Duration = "0d",
    maximum: str | Duration | None = None,
    fiscal: str | FiscalYearEnd | None = None,
    grace: str | Duration = "0d",
    *,
    on_request: bool = False,
) -> Retention:
    """A retention rule as the policy file would give it."""
    schedule: dict[str, object] = {"grace": grace}
    if fiscal is not None:
        schedule["after_fiscal_year_end"] = fiscal
    return Retention(
        anchor="collected",
        minimum=minimum,
        maximum=maximum,
        on_request=on_request,
        schedule=schedule,
    )


ALPS_LOGS = rule("5y", "5y", "03-31", "30d")
ALPS_MAIL = rule("5y", on_request=True)


# --- parsing and words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5y", Duration(years=5)),
        ("6 months", Duration(months=6)),
        ("30d", Duration(days=30)),
        ("48h", Duration(hours=48)),
        ("1 year", Duration(years=1)),
        ("2 weeks", Duration(days=14)),
        ("1y 6m", Duration(years=1, months=6)),
        ("1y6m", Duration(years=1, months=6)),
        ("  5 Years ", Duration(years=5)),
        ("0d", Duration()),
    ],
)
def test_a_duration_is_written_as_number_and_unit(text: str, expected: Duration) -> None:
    """Given the ways a policy author writes a period, when parsed, then the parts add up."""
    assert Duration.parse(text) == expected


@pytest.mark.parametrize("bad", ["", "   ", "5", "five years", "5 parsecs", "-5y", 5])
def test_a_bad_duration_says_what_is_allowed(bad: object) -> None:
    """Given a period pledge cannot read, the error names it and says what would be accepted."""
    with pytest.raises(ValueError, match=re.escape(repr(bad))) as caught:
        Duration.parse(bad)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "years, months, weeks, days" in message
    assert "'5y'" in message or "unknown unit" in message


def test_a_bad_duration_in_a_policy_is_refused_with_the_same_words() -> None:
    """Given a policy rule with an unreadable period, validation fails and says what is allowed."""
    with pytest.raises(ValidationError, match="unknown unit 'parsecs'"):
        rule(minimum="5 parsecs")


@pytest.mark.parametrize(
    "parts",
    [{"years": -1}, {"days": 100_000}, {"hours": 1.5}, {"months": True}],
)
def test_a_duration_is_whole_non_negative_and_bounded(parts: dict[str, object]) -> None:
    """Given a negative, fractional or absurd part, no Duration exists to mislead a deadline."""
    with pytest.raises(ValueError, match="whole number from 0 to 99999"):
        Duration(**parts)  # type: ignore[arg-type]


def test_a_period_longer_than_any_duration_is_refused() -> None:
    """Given '99999w' (about 1,900 years), parsing refuses it rather than storing a bad period."""
    with pytest.raises(ValueError, match="whole number from 0 to 99999"):
        Duration.parse("99999w")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("5y", "five years"),
        ("48h", "48 hours"),
        ("1y 6m", "one year and six months"),
        ("1d", "one day"),
        ("1h", "one hour"),
        ("2w", "14 days"),
        ("0d", "no time at all"),
    ],
)
def test_a_duration_reads_as_people_say_it(text: str, words: str) -> None:
    """Given a period, the notice prints it in words a reader says aloud."""
    assert Duration.parse(text).words() == words


def test_a_duration_prints_in_the_form_it_is_written() -> None:
    """Given a period, its text is the short form a policy file uses."""
    assert str(Duration.parse("1 year 6 months 2 weeks 3 hours")) == "1y 6m 14d 3h"
    assert str(Duration()) == "0d"


# --- calendar units on the local date ------------------------------------------------------------


def test_a_year_from_29_february_ends_with_28_february() -> None:
    """Given a record made on 29 February, one year later is the end of 28 February.

    The next year has no 29 February, so the year ends with the last day of February: the
    record may go from the midnight that ends 28 February, never on the morning of that day.
    """
    anchor = at(TOKYO, 2024, 2, 29, 10, 0)
    assert Duration.parse("1y").after(anchor, TOKYO) == at(TOKYO, 2025, 3, 1)
    assert Duration.parse("5y").after(anchor, TOKYO) == at(TOKYO, 2029, 3, 1)


def test_four_years_from_29_february_is_29_february() -> None:
    """Given a record made on 29 February, four years later is 29 February at the same time."""
    anchor = at(TOKYO, 2024, 2, 29, 10, 0)
    assert Duration.parse("4y").after(anchor, TOKYO) == at(TOKYO, 2028, 2, 29, 10, 0)


def test_a_month_from_31_january_ends_with_february() -> None:
    """Given 31 January, a month later is the end of February (28 or 29 days, as the year has)."""
    month = Duration.parse("1m")
    assert month.after(at(TOKYO, 2025, 1, 31, 15, 0), TOKYO) == at(TOKYO, 2025, 3, 1)
    assert month.after(at(TOKYO, 2024, 1, 31, 15, 0), TOKYO) == at(TOKYO, 2024, 3, 1)
    assert month.after(at(TOKYO, 2025, 3, 31, 15, 0), TOKYO) == at(TOKYO, 2025, 5, 1)


def test_a_month_from_a_day_every_month_has_keeps_the_time_of_day() -> None:
    """Given 28 January at 15:00, a month later is 28 February at 15:00."""
    month = Duration.parse("1m")
    assert month.after(at(TOKYO, 2025, 1, 28, 15, 0), TOKYO) == at(TOKYO, 2025, 2, 28, 15, 0)


def test_a_later_record_never_ends_earlier_across_a_month_end() -> None:
    """Given records late on 28 January and early on 31 January, the later one ends no earlier.

    A month from either ends in February; the 31 January record must not be erasable before
    the one made on 28 January, or a sweep that selects by creation time would erase it early.
    """
    month = Duration.parse("1m")
    earlier = month.after(at(TOKYO, 2025, 1, 28, 23, 0), TOKYO)
    later = month.after(at(TOKYO, 2025, 1, 31, 1, 0), TOKYO)
    assert earlier == at(TOKYO, 2025, 2, 28, 23, 0)
    assert later >= earlier


def test_the_anchor_zone_does_not_matter_only_the_instant() -> None:
    """Given the same instant written in UTC or in Tokyo time, the deadline is the same."""
    local = dt.datetime(2026, 5, 10, 8, 30, tzinfo=TOKYO)
    assert deadline(local, ALPS_LOGS, TOKYO) == deadline(local.astimezone(UTC), ALPS_LOGS, TOKYO)


# --- daylight saving ------------------------------------------------------------------------------


def test_a_day_across_the_spring_change_keeps_the_wall_time() -> None:
    """Given a London record the day before the clocks go forward, one day later is the same
    local time, although only 23 hours have passed."""
    anchor = at(LONDON, 2025, 3, 29, 10, 0)
    due = Duration.parse("1d").after(anchor, LONDON)
    assert due == at(LONDON, 2025, 3, 30, 10, 0)
    assert due - anchor == dt.timedelta(hours=23)


def test_a_day_across_the_autumn_change_keeps_the_wall_time() -> None:
    """Given a London record the day before the clocks go back, one day later is the same local
    time, although 25 hours have passed."""
    anchor = at(LONDON, 2025, 10, 25, 10, 0)
    due = Duration.parse("1d").after(anchor, LONDON)
    assert due == at(LONDON, 2025, 10, 26, 10, 0)
    assert due - anchor == dt.timedelta(hours=25)


def test_hours_are_elapsed_time_across_a_change() -> None:
    """Given a period in hours (the 48-hour salt), it is elapsed time, whatever the clocks do."""
    anchor = at(LONDON, 2025, 3, 29, 10, 0)
    assert Duration.parse("24h").after(anchor, LONDON) == at(LONDON, 2025, 3, 30, 11, 0)
    assert Duration.parse("48h").after(anchor, LONDON) - anchor == dt.timedelta(hours=48)


def test_a_day_ending_in_the_skipped_hour_ends_when_the_clocks_jump() -> None:
    """Given a record at 01:30 the day before 01:30 does not exist, it ends at 02:00 BST,
    the first moment after the skipped hour (not an hour later, nor before the jump)."""
    due = Duration.parse("1d").after(at(LONDON, 2025, 3, 29, 1, 30), LONDON)
    assert due == dt.datetime(2025, 3, 30, 1, 0, tzinfo=UTC)
    assert due.astimezone(LONDON).hour == 2


def test_a_day_ending_in_the_repeated_hour_ends_at_its_first_pass() -> None:
    """Given a record at 01:30 the day before 01:30 happens twice, it ends at the first 01:30."""
    due = Duration.parse("1d").after(at(LONDON, 2025, 10, 25, 1, 30), LONDON)
    assert due == at(LONDON, 2025, 10, 26, 1, 30, fold=0)
    assert due == dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC)


@pytest.mark.clause("AL7")
def test_no_time_at_all_from_the_repeated_hour_is_the_anchor_itself() -> None:
    """Given a record in the second pass of a repeated hour and no minimum keep, it is erasable
    at once: never an hour before it was made."""
    anchor = at(LONDON, 2025, 10, 26, 1, 10, fold=1)
    result = deadline(anchor, rule("0d", "0d"), LONDON)
    assert result.erasable_at == anchor
    assert result.due_at == anchor


def test_a_later_record_never_ends_earlier_across_the_repeated_hour() -> None:
    """Given records at 01:30 (first pass) and 01:10 (second pass, 40 minutes later), a day
    later the second is not due before the first: it counts from the end of the repeated hour."""
    first = at(LONDON, 2025, 10, 26, 1, 30, fold=0)
    second = at(LONDON, 2025, 10, 26, 1, 10, fold=1)
    assert second - first == dt.timedelta(minutes=40)
    day = Duration.parse("1d")
    assert day.after(first, LONDON) == at(LONDON, 2025, 10, 27, 1, 30)
    assert day.after(second, LONDON) == at(LONDON, 2025, 10, 27, 2, 0)


def test_a_later_record_never_ends_earlier_across_the_skipped_hour() -> None:
    """Given records at 01:30 GMT and 02:10 BST (10 minutes later) the day before the clocks
    go forward, a day later the second ends after the first."""
    first = at(LONDON, 2025, 3, 29, 1, 30)
    second = at(LONDON, 2025, 3, 29, 2, 10)
    day = Duration.parse("1d")
    assert day.after(first, LONDON) <= day.after(second, LONDON)


def test_a_naive_anchor_is_refused() -> None:
    """Given a time without a zone, pledge refuses to guess which instant it means."""
    naive = dt.datetime(2026, 5, 10, 9, 0)
    with pytest.raises(ValueError, match="aware"):
        deadline(naive, ALPS_LOGS, TOKYO)
    with pytest.raises(ValueError, match="aware"):
        Duration.parse("1d").after(naive, TOKYO)
    with pytest.raises(ValueError, match="aware"):
        FiscalYearEnd.parse("03-31").first_close_at_or_after(naive, TOKYO)


# --- the fiscal year ------------------------------------------------------------------------------


@pytest.mark.clause("AL11")
def test_the_japanese_fiscal_year_ends_on_31_march() -> None:
    """Given the ALPS schedule '03-31', the year ends on 31 March, and reads so in the notice."""
    end = FiscalYearEnd.parse("03-31")
    assert (end.month, end.day) == (3, 31)
    assert str(end) == "03-31"
    assert end.words() == "31 March"


@pytest.mark.clause("AL11")
@pytest.mark.parametrize("bad", ["3-31", "03/31", "02-29", "04-31", "13-01", "00-10", ""])
def test_a_fiscal_year_end_that_is_not_a_day_is_refused(bad: str) -> None:
    """Given an end that is not a day every year has, the error says to write 'MM-DD'."""
    with pytest.raises(ValueError, match="MM-DD"):
        FiscalYearEnd.parse(bad)


@pytest.mark.clause("AL11")
def test_a_record_from_late_on_31_march_closes_with_that_fiscal_year() -> None:
    """Given 31 March 23:59 in Tokyo, the fiscal year closes one minute later, at midnight."""
    end = FiscalYearEnd.parse("03-31")
    close = end.first_close_at_or_after(at(TOKYO, 2031, 3, 31, 23, 59), TOKYO)
    assert close == at(TOKYO, 2031, 4, 1)


@pytest.mark.clause("AL11")
def test_midnight_starting_1_april_is_itself_the_close() -> None:
    """Given 1 April 00:00 in Tokyo, that instant is the close; any later moment waits a year."""
    end = FiscalYearEnd.parse("03-31")
    midnight = at(TOKYO, 2031, 4, 1)
    assert end.first_close_at_or_after(midnight, TOKYO) == midnight
    just_after = midnight + dt.timedelta(microseconds=1)
    assert end.first_close_at_or_after(just_after, TOKYO) == at(TOKYO, 2032, 4, 1)


@pytest.mark.clause("AL11")
def test_the_close_is_local_midnight_in_the_controllers_zone() -> None:
    """Given a UTC instant on 31 March that is already 1 April in Tokyo, the Tokyo close counts."""
    end = FiscalYearEnd.parse("03-31")
    utc_evening = dt.datetime(2031, 3, 31, 15, 30, tzinfo=UTC)  # 1 April 00:30 in Tokyo
    assert end.first_close_at_or_after(utc_evening, TOKYO) == at(TOKYO, 2032, 4, 1)
    assert end.first_close_at_or_after(utc_evening, LONDON) == at(LONDON, 2031, 4, 1)


@pytest.mark.clause("AL11")
def test_a_fiscal_year_whose_closing_midnight_is_skipped_closes_when_the_clocks_jump() -> None:
    """Given São Paulo in 2018, where clocks jumped from 00:00 to 01:00 on 4 November, a year
    ending 3 November closes at that jump."""
    end = FiscalYearEnd.parse("11-03")
    close = end.first_close_at_or_after(at(SAO_PAULO, 2018, 11, 3, 12, 0), SAO_PAULO)
    assert close == dt.datetime(2018, 11, 4, 3, 0, tzinfo=UTC)
    assert close.astimezone(SAO_PAULO).hour == 1


@pytest.mark.clause("AL11")
@pytest.mark.parametrize(
    ("made", "due"),
    [
        (at(TOKYO, 2026, 3, 31, 23, 59), at(TOKYO, 2031, 5, 1)),
        (at(TOKYO, 2026, 4, 1, 0, 1), at(TOKYO, 2032, 5, 1)),
    ],
)
def test_records_either_side_of_1_april_go_a_fiscal_year_apart(
    made: dt.datetime, due: dt.datetime
) -> None:
    """Given log lines from 31 March 23:59 and 1 April 00:01, their five years end in different
    fiscal years, so they go after different closes (each plus the 30-day grace)."""
    assert deadline(made, ALPS_LOGS, TOKYO).due_at == due


@pytest.mark.clause("AL11")
def test_a_record_from_the_stroke_of_midnight_goes_with_the_close_its_period_reaches() -> None:
    """Given a log line from 1 April 2026 00:00 exactly, its five years end at the very instant
    fiscal year 2030 closes (1 April 2031 00:00); a close at that instant counts, so it goes
    30 days after it, with the lines of 31 March 2026."""
    result = deadline(at(TOKYO, 2026, 4, 1), ALPS_LOGS, TOKYO)
    assert result.erasable_at == at(TOKYO, 2031, 4, 1)
    assert result.due_at == at(TOKYO, 2031, 5, 1)


# --- the ALPS examples ----------------------------------------------------------------------------


@pytest.mark.clause("AL6")
@pytest.mark.clause("AL11")
def test_a_log_line_from_10_may_2026_is_kept_five_years_then_goes_after_31_march() -> None:
    """Given an ALPS log line of 10 May 2026, it may be erased from 10 May 2031 and must be gone
    30 days after the fiscal year that ends on 31 March 2032."""
    made = at(TOKYO, 2026, 5, 10, 14, 23)
    result = deadline(made, ALPS_LOGS, "Asia/Tokyo")
    assert result.erasable_at == at(TOKYO, 2031, 5, 10, 14, 23)
    assert result.due_at == at(TOKYO, 2032, 4, 1) + dt.timedelta(days=30)
    assert result.due_at == at(TOKYO, 2032, 5, 1)


@pytest.mark.clause("AL6")
@pytest.mark.clause("AL11")
def test_a_log_line_from_31_march_2026_goes_after_the_close_of_31_march_2031() -> None:
    """Given an ALPS log line of 31 March 2026, its five years end on 31 March 2031, the last
    day of a fiscal year, so it goes 30 days after 1 April 2031."""
    result = deadline(at(TOKYO, 2026, 3, 31, 9, 0), ALPS_LOGS, TOKYO)
    assert result.erasable_at == at(TOKYO, 2031, 3, 31, 9, 0)
    assert result.due_at == at(TOKYO, 2031, 4, 1) + dt.timedelta(days=30)


@pytest.mark.clause("AL6")
def test_the_alps_policy_file_gives_the_same_log_deadline() -> None:
    """Given the ALPS policy as shipped, its web-log rule gives the dates the notice promises."""
    policy = load(POLICIES / "alps.yaml")
    logs = policy.category(policy.web_logs.category)  # type: ignore[arg-type]
    assert logs is not None
    result = deadline(at(TOKYO, 2026, 5, 10, 14, 23), logs.retention, policy.time_zone)
    assert result == Deadline(at(TOKYO, 2031, 5, 10, 14, 23), at(TOKYO, 2032, 5, 1))


@pytest.mark.clause("AL6")
def test_a_log_line_is_neither_erasable_nor_due_a_day_before_its_five_years() -> None:
    """Given a log line, erasure is refused the day before five years have passed."""
    result = deadline(at(TOKYO, 2026, 5, 10, 14, 23), ALPS_LOGS, TOKYO)
    day_before = at(TOKYO, 2031, 5, 9, 14, 23)
    assert not result.is_erasable(day_before)
    assert not result.is_due(day_before)
    assert result.is_erasable(at(TOKYO, 2031, 5, 10, 14, 23))
    assert not result.is_due(at(TOKYO, 2032, 4, 30, 23, 59))
    assert result.is_due(at(TOKYO, 2032, 5, 1))


@pytest.mark.clause("AL7")
def test_mail_is_kept_five_years_then_waits_for_a_written_request() -> None:
    """Given ALPS correspondence (five years, then on request), erasure is refused for five
    years, possible afterwards, and nothing is ever due of its own accord."""
    made = at(TOKYO, 2026, 5, 10, 14, 23)
    result = deadline(made, ALPS_MAIL, TOKYO)
    assert result.erasable_at == at(TOKYO, 2031, 5, 10, 14, 23)
    assert result.due_at is None
    assert not result.is_erasable(at(TOKYO, 2031, 5, 10, 14, 22))
    assert result.is_erasable(at(TOKYO, 2031, 5, 10, 14, 23))
    assert not result.is_due(at(TOKYO, 2100, 1, 1))


@pytest.mark.clause("AL7")
def test_a_maximum_shorter_than_the_minimum_waits_for_the_minimum() -> None:
    """Given a minimum of 30 days and a maximum of one month from 1 February (28 days), the
    record is due only when it may be erased: the legal minimum wins."""
    result = deadline(at(TOKYO, 2025, 2, 1, 9, 0), rule("30d", "1m"), TOKYO)
    assert result.erasable_at == at(TOKYO, 2025, 3, 3, 9, 0)
    assert result.due_at == result.erasable_at


# --- properties -----------------------------------------------------------------------------------


@functools.cache
def clock_changes(zone: str) -> tuple[dt.datetime, ...]:
    """Instants (to the second) where ``zone`` changed its UTC offset, 2000 to 2030."""
    tz = ZoneInfo(zone)
    found = []
    step = dt.timedelta(hours=6)
    t = dt.datetime(2000, 1, 1, tzinfo=UTC)
    while t < dt.datetime(2030, 1, 1, tzinfo=UTC):
        before, after = t.astimezone(tz).utcoffset(), (t + step).astimezone(tz).utcoffset()
        if before != after:
            lo, hi = 0, int(step.total_seconds())
            while hi - lo > 1:
                mid = (lo + hi) // 2
                offset = (t + dt.timedelta(seconds=mid)).astimezone(tz).utcoffset()
                lo, hi = (lo, mid) if offset == after else (mid, hi)
            found.append(t + dt.timedelta(seconds=hi))
        t += step
    return tuple(found)


zones = st.sampled_from(ZONES)


@st.composite
def anchors(draw: st.DrawFn, zone: str) -> dt.datetime:
    """Aware anchors in ``zone``, where the calendar is hardest as often as anywhere else.

    Any instant; within two hours of a clock change (the repeated or skipped hour itself); a
    day or three before one (so a period of days ends inside it); or late in a month (so a
    period of months lands on a day the target month lacks).
    """
    tz = ZoneInfo(zone)
    kind = draw(st.sampled_from(["any", "at-change", "before-change", "month-end"]))
    changes = clock_changes(zone)
    if kind in ("at-change", "before-change") and changes:
        days_before = 0 if kind == "at-change" else draw(st.integers(1, 3))
        near = draw(st.sampled_from(changes)) - dt.timedelta(days=days_before)
        return (near + dt.timedelta(seconds=draw(st.integers(-7200, 7200)))).astimezone(tz)
    if kind == "month-end":
        year, month = draw(st.integers(1995, 2080)), draw(st.integers(1, 12))
        day = draw(st.integers(27, _cal.monthrange(year, month)[1]))
        wall = dt.datetime.combine(dt.date(year, month, day), draw(st.times()))
        return wall.replace(tzinfo=tz, fold=draw(st.integers(0, 1))).astimezone(UTC).astimezone(tz)
    instant = draw(st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2080, 1, 1)))
    return instant.replace(tzinfo=UTC).astimezone(tz)


def _part(big: int) -> st.SearchStrategy[int]:
    return st.one_of(st.just(0), st.integers(0, 3), st.integers(0, big))


durations = st.builds(Duration, years=_part(10), months=_part(24), days=_part(400), hours=_part(72))
fiscal_ends = st.one_of(
    st.just(FiscalYearEnd(3, 31)),
    st.integers(1, 12).flatmap(
        lambda m: st.builds(FiscalYearEnd, st.just(m), st.integers(1, _cal.monthrange(2001, m)[1]))
    ),
)


def plus(a: Duration, b: Duration) -> Duration:
    """Part by part sum: a period at least as long as ``a`` in every unit."""
    return Duration(a.years + b.years, a.months + b.months, a.days + b.days, a.hours + b.hours)


@st.composite
def rules(draw: st.DrawFn, *, fiscal: bool | None = None, ordered: bool = False) -> Retention:
    """Retention rules; ``ordered`` keeps the maximum at least the minimum in every unit."""
    minimum = draw(durations)
    extra = draw(durations) if ordered else draw(st.one_of(st.none(), durations))
    maximum = plus(minimum, extra) if ordered and extra is not None else extra
    use_fiscal = draw(st.booleans()) if fiscal is None else fiscal
    end = draw(fiscal_ends) if use_fiscal and maximum is not None else None
    return rule(minimum, maximum, end, draw(durations), on_request=maximum is None)


SETTINGS = settings(max_examples=400, deadline=None)


@pytest.mark.clause("AL7")
@SETTINGS
@given(data=st.data(), zone=zones, retention=rules())
def test_nothing_is_due_before_its_minimum(
    data: st.DataObject, zone: str, retention: Retention
) -> None:
    """For any record and rule: erasable no earlier than made, due no earlier than erasable."""
    anchor = data.draw(anchors(zone))
    result = deadline(anchor, retention, zone)
    assert result.erasable_at >= anchor
    assert result.erasable_at >= retention.minimum.after(anchor, ZoneInfo(zone))
    if result.due_at is not None:
        assert result.due_at >= result.erasable_at
        assert retention.maximum is not None
        assert result.due_at >= retention.maximum.after(anchor, ZoneInfo(zone))


@pytest.mark.clause("AL11")
@SETTINGS
@given(data=st.data(), zone=zones, retention=rules(fiscal=True, ordered=True))
def test_a_fiscal_rule_is_due_within_a_year_of_its_maximum(
    data: st.DataObject, zone: str, retention: Retention
) -> None:
    """For any record under a fiscal-year rule: never due before the first close on or after
    its maximum, and at most one year plus grace after that maximum."""
    tz = ZoneInfo(zone)
    anchor = data.draw(anchors(zone))
    assert retention.maximum is not None
    end = retention.schedule.after_fiscal_year_end
    kept = retention.maximum.after(anchor, tz)
    close = end.first_close_at_or_after(kept, tz)
    due = deadline(anchor, retention, zone).due_at
    assert due is not None
    assert kept <= close <= Duration(years=1).after(kept, tz)
    wall = close.astimezone(tz).replace(tzinfo=None)
    closing_day = wall.date() - dt.timedelta(days=1)
    assert (closing_day.month, closing_day.day) == (end.month, end.day)
    if wall.time() != dt.time(0):  # only where that midnight was skipped by a clock change
        midnight = dt.datetime.combine(wall.date(), dt.time(0))
        assert (
            midnight.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
            != midnight
        )
        assert wall.time() < dt.time(2)
    assert due >= close
    assert due <= retention.schedule.grace.after(Duration(years=1).after(kept, tz), tz)


@SETTINGS
@given(
    data=st.data(),
    zone=zones,
    retention=rules(),
    later_by=st.one_of(
        st.timedeltas(dt.timedelta(0), dt.timedelta(hours=2)),
        st.timedeltas(dt.timedelta(0), dt.timedelta(days=3)),
        st.timedeltas(dt.timedelta(0), dt.timedelta(days=800)),
    ),
)
def test_a_later_record_never_gets_an_earlier_deadline(
    data: st.DataObject, zone: str, retention: Retention, later_by: dt.timedelta
) -> None:
    """For any two records under one rule, the later one is erasable and due no earlier.

    The sweep and the per-period keys rely on this: what is not yet due hides nothing older.
    """
    tz = ZoneInfo(zone)
    first = data.draw(anchors(zone))
    second = (first.astimezone(UTC) + later_by).astimezone(tz)  # elapsed, not wall, time
    one, two = deadline(first, retention, zone), deadline(second, retention, zone)
    assert one.erasable_at <= two.erasable_at
    if one.due_at is not None:
        assert two.due_at is not None
        assert one.due_at <= two.due_at


#: Periods with calendar units, short enough to end near where they start.
calendar_periods = st.builds(
    Duration,
    years=st.integers(0, 1),
    months=st.integers(0, 2),
    days=st.integers(0, 3),
    hours=st.integers(0, 3),
).filter(lambda d: bool(d.years or d.months or d.days))


@SETTINGS
@given(
    data=st.data(),
    zone=st.sampled_from([z for z in ZONES if clock_changes(z)]),
    period=calendar_periods,
    later_by=st.timedeltas(dt.timedelta(0), dt.timedelta(hours=2)),
)
def test_a_later_record_never_ends_earlier_around_a_clock_change(
    data: st.DataObject, zone: str, period: Duration, later_by: dt.timedelta
) -> None:
    """For two records up to two hours apart, in or up to three days before a repeated or
    skipped hour, the later one's period never ends before the earlier one's."""
    tz = ZoneInfo(zone)
    change = data.draw(st.sampled_from(clock_changes(zone)))
    days_before = dt.timedelta(days=data.draw(st.integers(0, 3)))
    first = change - days_before + dt.timedelta(seconds=data.draw(st.integers(-7200, 7200)))
    assert period.after(first, tz) <= period.after(first + later_by, tz)


@settings(max_examples=1000, deadline=None)
@given(
    zone=zones,
    month=st.builds(dt.date, st.integers(1995, 2080), st.integers(1, 12), st.just(1)),
    days_from_end=st.integers(0, 3),
    time=st.times(),
    later_by=st.timedeltas(dt.timedelta(0), dt.timedelta(days=4)),
    period=st.builds(Duration, years=st.integers(0, 5), months=st.integers(1, 13)),
)
def test_a_later_record_never_ends_earlier_around_a_month_end(
    zone: str,
    month: dt.date,
    days_from_end: int,
    time: dt.time,
    later_by: dt.timedelta,
    period: Duration,
) -> None:
    """For two records up to four days apart at the end of a month, a period of months from
    the later one never ends first, although the target month may lack their days."""
    tz = ZoneInfo(zone)
    last = _cal.monthrange(month.year, month.month)[1]
    wall = dt.datetime.combine(month.replace(day=last - days_from_end), time)
    first = wall.replace(tzinfo=tz).astimezone(UTC)
    assert period.after(first, tz) <= period.after(first + later_by, tz)


@SETTINGS
@given(data=st.data(), zone=zones, shorter=durations, extra=durations)
def test_a_longer_period_never_ends_earlier(
    data: st.DataObject, zone: str, shorter: Duration, extra: Duration
) -> None:
    """For any start, a period at least as long in every unit ends no earlier, and no period
    ends before it starts."""
    tz = ZoneInfo(zone)
    start = data.draw(anchors(zone))
    assert start <= shorter.after(start, tz) <= plus(shorter, extra).after(start, tz)


@settings(max_examples=300, deadline=None)
@given(
    duration=st.one_of(
        durations,
        st.builds(Duration, *[st.integers(0, 99_999)] * 4),
    )
)
def test_a_duration_reads_back_as_itself(duration: Duration) -> None:
    """For any period, the text pledge writes (JSON, the notice source) parses back unchanged."""
    assert Duration.parse(str(duration)) == duration


_UNIT_NAMES = {
    "years": ["y", "year", "years"],
    "months": ["m", "month", "months"],
    "weeks": ["w", "week", "weeks"],
    "days": ["d", "day", "days"],
    "hours": ["h", "hour", "hours"],
}


@settings(max_examples=300, deadline=None)
@given(
    parts=st.lists(
        st.tuples(
            st.integers(0, 999),
            st.sampled_from(sorted(_UNIT_NAMES)).flatmap(
                lambda unit: st.tuples(st.just(unit), st.sampled_from(_UNIT_NAMES[unit]))
            ),
            st.sampled_from(["", " ", "  "]),
        ),
        min_size=1,
        max_size=5,
    ),
    upper=st.booleans(),
)
def test_any_spelling_of_a_period_adds_up(
    parts: list[tuple[int, tuple[str, str], str]], upper: bool
) -> None:
    """For any mix of unit spellings and spacing, each unit counts, and weeks are seven days."""
    text = " ".join(f"{n}{gap}{word}" for n, (_, word), gap in parts)
    totals = dict.fromkeys(_UNIT_NAMES, 0)
    for n, (unit, _), _ in parts:
        totals[unit] += n
    parsed = Duration.parse(text.upper() if upper else text)
    assert parsed == Duration(
        totals["years"], totals["months"], totals["days"] + 7 * totals["weeks"], totals["hours"]
    )


def test_short_idle_times_in_minutes_and_seconds_are_elapsed_time() -> None:
    """Session idle times are short: '15min' and '30s' parse and add as elapsed seconds."""
    start = dt.datetime(2026, 3, 29, 0, 59, 50, tzinfo=dt.UTC)  # across the London DST change
    assert Duration.parse("15min").after(start, ZoneInfo("Europe/London")) == start + dt.timedelta(
        minutes=15
    )
    assert str(Duration.parse("1h 30s")) == "1h 30s"
    assert Duration.parse("90s").words() == "one minute and 30 seconds"
