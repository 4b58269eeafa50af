"""Reports: fixed calendar buckets, and no small group in any report, export or admin page."""

from __future__ import annotations

import datetime as dt
import json
import re
from io import StringIO

import polars as pl
import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from pledge.traffic.models import DailyCount
from pledge.traffic.selectors import bucket_of, buckets_between, traffic_report
from pledge.traffic.suppression import SMALLER, suppress

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2025, 5, 12)


def _day(day: dt.date, people: int, **groups: tuple[str, int]) -> None:
    """A day with ``people`` visitors (one view each) and page groups {name: (path, visitors)}."""
    DailyCount.objects.create(day=day, dimension="site", value="human", views=people,
                              visitors=people)  # fmt: skip
    for path, visitors in groups.values():
        DailyCount.objects.create(day=day, dimension="page", value=path, views=visitors,
                                  visitors=visitors)  # fmt: skip


def _pages(report) -> dict[str, int]:
    return {r.value: r.visitors for r in report.tables["page"]}


def test_buckets_are_calendar_days_iso_weeks_and_months():
    wednesday = dt.date(2025, 5, 14)
    assert bucket_of(wednesday, "week").start == MONDAY
    assert bucket_of(wednesday, "month").start == dt.date(2025, 5, 1)
    assert bucket_of(dt.date(2024, 12, 31), "week").label("week") == "2025-W01"
    months = buckets_between(dt.date(2024, 11, 15), dt.date(2025, 2, 3), "month")
    assert [b.label("month") for b in months] == ["2024-11", "2024-12", "2025-01", "2025-02"]


@pytest.mark.clause("JC7")
def test_a_group_smaller_than_the_minimum_is_not_shown(under):
    under("japan-centre")  # minimum group size 5
    _day(MONDAY, 30, a=("/popular/", 20), b=("/rare/", 4), c=("/other/", 6))
    report = traffic_report(kind="day", first=MONDAY, last=MONDAY)
    assert "/rare/" not in _pages(report)
    assert _pages(report)["/popular/"] == 20


@pytest.mark.clause("JC7")
def test_the_hidden_remainder_never_rests_on_fewer_visitors_than_the_minimum(under):
    """Total minus the groups shown must not reveal a small group: the next smallest goes too."""
    under("japan-centre")
    _day(MONDAY, 30, a=("/popular/", 20), b=("/rare/", 2), c=("/other/", 8))
    pages = _pages(traffic_report(kind="day", first=MONDAY, last=MONDAY))
    assert pages == {"/popular/": 20, SMALLER: 10}


@pytest.mark.clause("JC7")
def test_no_small_group_appears_by_subtracting_one_range_from_another(under):
    """Week minus six shown days would reveal the seventh day's small group, were a week the
    sum of its raw days. It is the sum of its days as shown, so the subtraction gives zero."""
    under("japan-centre")
    for i in range(7):
        visitors = 3 if i == 6 else 10  # on Sunday only 3 people saw /page/
        _day(MONDAY + dt.timedelta(days=i), 40, a=("/page/", visitors), b=("/x/", 40 - visitors))
    week = _pages(traffic_report(kind="week", first=MONDAY, last=MONDAY))
    days = [
        _pages(traffic_report(kind="day", first=MONDAY + dt.timedelta(days=i),
                              last=MONDAY + dt.timedelta(days=i))).get("/page/", 0)
        for i in range(7)
    ]  # fmt: skip
    assert days[6] == 0, "Sunday's 3 are not shown"
    assert week["/page/"] - sum(days[:6]) == 0, "and cannot be recovered from the week"


@pytest.mark.clause("JC7")
def test_a_day_with_fewer_visitors_than_the_minimum_shows_nothing(under):
    under("japan-centre")
    _day(MONDAY, 3, a=("/", 3))
    report = traffic_report(kind="day", first=MONDAY, last=MONDAY)
    assert (report.views, report.visitors) == (0, 0)
    assert report.tables["page"] == []


@pytest.mark.parametrize(
    ("small", "expected"),
    [
        # 3 + 2 hidden rest on 5 visitors: enough, US (5) is shown.
        ((3, 2), {"human": 50, "JP": 30, "GB": 10, "US": 5, SMALLER: 5}),
        # 2 + 1 hidden rest on 3: US goes too, and the rest then rests on 8.
        ((2, 1), {"human": 50, "JP": 30, "GB": 10, SMALLER: 8}),
    ],
)
def test_suppression_keeps_every_shown_figure_at_or_above_the_minimum(small, expected):
    cells = pl.DataFrame(
        {
            "day": [MONDAY] * 6,
            "dimension": ["site", "country", "country", "country", "country", "country"],
            "value": ["human", "JP", "GB", "US", "FR", "DE"],
            "views": [100, 60, 20, 9, 7, 4],
            "visitors": [50, 30, 10, 5, *small],
        }
    )
    shown = suppress(cells, 5)
    assert shown["visitors"].min() >= 5
    assert dict(zip(shown["value"], shown["visitors"], strict=True)) == expected


@pytest.mark.clause("JC8", "AL10")
def test_stats_prints_a_table_and_writes_html_and_json_with_the_same_suppression(under, tmp_path):
    under("alps")
    _day(MONDAY, 30, a=("/popular/", 20), b=("/secret-small-page/", 2), c=("/other/", 8))
    out = StringIO()
    html_file, json_file = tmp_path / "report.html", tmp_path / "report.json"
    call_command("logs", "stats", "--from", "2025-05-12", "--to", "2025-05-12", stdout=out)
    call_command("logs", "stats", "--from", "2025-05-12", "--to", "2025-05-12",
                 "--html", str(html_file), "--json", str(json_file), stdout=StringIO())  # fmt: skip

    text, page, export = out.getvalue(), html_file.read_text(), json_file.read_text()
    assert "/popular/" in text and "/popular/" in page and "/popular/" in export
    for shown in (text, page, export):
        assert "/secret-small-page/" not in shown
    assert json.loads(export)["minimum_group_size"] == 5


def test_the_html_report_is_self_contained_with_inline_svg_charts(under, tmp_path):
    under("alps")
    for i in range(14):
        _day(MONDAY + dt.timedelta(days=i), 20 + i, a=("/", 10 + i))
    html_file = tmp_path / "report.html"
    call_command("logs", "stats", "--bucket", "week", "--html", str(html_file), stdout=StringIO())
    page = html_file.read_text()
    assert page.count("<svg") >= 2
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "nothing is fetched"
    assert "<script" not in page
    assert "2025-W20" in page and "2025-W21" in page


@pytest.mark.clause("JC8")
def test_the_operator_admin_shows_the_same_report_and_never_the_raw_counts(
    under, client, django_user_model
):
    under("japan-centre")
    _day(MONDAY, 30, a=("/popular/", 20), b=("/secret-small-page/", 2), c=("/other/", 8))
    staff = django_user_model.objects.create_user(
        "staff@example.jp", "a staff passphrase 1", is_staff=True
    )
    staff.user_permissions.add(Permission.objects.get(codename="view_dailycount"))
    client.force_login(staff)
    client.cookies["operator"] = client.cookies.pop("basket").value  # the admin's own cookie

    response = client.get(
        "/operator/traffic/dailycount/?bucket=day&from=2025-05-12&to=2025-05-12", secure=True
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "/popular/" in body and "<svg" in body
    assert "/secret-small-page/" not in body
    row = DailyCount.objects.get(value="/secret-small-page/")
    change = client.get(f"/operator/traffic/dailycount/{row.pk}/change/", secure=True)
    assert "/secret-small-page/" not in change.content.decode()
