"""JC8, AL10: statistics are aggregates, anonymised: counts of groups, never of a person.

The statistics tables (visits per day, orders per month) may keep what they count after the
data they came from is deleted, which is exactly why nothing in them may lead back to someone.
A count is anonymised when it is grouped only by the dimensions pledge declares (a page, a
country, a browser family...), when no group's name is itself an identifier (an e-mail address,
a network address outside the referring-site column, where it names a web server), and when
every report shows no group smaller than the policy's minimum.
"""

from __future__ import annotations

import ipaddress
import re

from pledge.conformance.checks.base import StoreCheck, StoreContext, plural, store_check
from pledge.conformance.results import Evidence, Verdict
from pledge.policy import Policy
from pledge.shop.models import OrderTally, TallyDimension
from pledge.traffic.models import DailyCount, Dimension
from pledge.traffic.selectors import data_span, traffic_report

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A run of address characters standing alone ("Feed::Fetcher" holds none: "eed::Fe" is not).
_TOKEN = re.compile(r"(?<![\w:.])[0-9A-Fa-f:.]{3,}(?![\w:.])")


def identifier_in(value: str, *, addresses: bool) -> str | None:
    """What identifies someone in a group's name, described; None if nothing does."""
    if EMAIL.search(value):
        return "an e-mail address"
    if addresses:
        for token in _TOKEN.findall(value):
            try:
                ipaddress.ip_address(token)
            except ValueError:
                continue
            return "a network address"
    return None


@store_check
class StatisticsAnonymised(StoreCheck):
    id = "stores.statistics"
    title = "Statistics are anonymised aggregates: declared groups only, no one singled out"
    clauses = ("JC8", "AL10")

    def promise(self, policy: Policy) -> str:
        return policy.analytics.statement

    def verdict(self, context: StoreContext) -> Verdict:
        found = [*self._daily_counts(), *self._order_tallies()]
        found += self._reports(context.policy.analytics.min_group_size)
        counts, tallies = DailyCount.objects.count(), OrderTally.objects.count()
        looked = (
            f"{plural(counts, 'visit count')} and {plural(tallies, 'order tally', 'order tallies')}"
        )
        if found:
            return Verdict.broken(
                f"{plural(len(found), 'statistic')} could single someone out, of {looked}", found
            )
        return Verdict.kept(
            f"{looked}: grouped by declared dimensions only, no group named by an address, and "
            f"no report shows a group of fewer than {context.policy.analytics.min_group_size}"
        )

    def _daily_counts(self) -> list[Evidence]:
        return _groups(DailyCount, set(Dimension.values), period="day", server=Dimension.REFERRER)

    def _order_tallies(self) -> list[Evidence]:
        return _groups(OrderTally, set(TallyDimension.values), period="month")

    def _reports(self, minimum: int) -> list[Evidence]:
        """The report's tables over all the data, as any report shows them: a week's or a
        month's are sums of the same days as shown, so one reading covers them all."""
        span = data_span()
        if span is None:
            return []
        report = traffic_report(kind="day", first=span[0], last=span[1], top=1_000_000)
        return [
            Evidence(
                f"shows '{row.value}' with {row.visitors} visitors (minimum {minimum})",
                f"traffic report, {dimension}",
            )
            for dimension, rows in report.tables.items()
            for row in rows
            if 0 < row.visitors < minimum
        ]


def _groups(
    model: type[DailyCount] | type[OrderTally],
    declared: set[str],
    *,
    period: str,
    server: str | None = None,
) -> list[Evidence]:
    """What in one statistics table could single someone out: each distinct group once (a
    page counted every day for years is read once), shown by its first row. ``server``: the
    dimension whose values name web servers, where an address is no one's."""
    label = model._meta.label
    found = []
    groups = model.objects.values_list("dimension", "value").distinct().order_by()
    for dimension, value in groups.iterator():
        problem = (
            f"counts by an undeclared dimension '{dimension}'" if dimension not in declared
            else _named_by(value, addresses=dimension != server)
        )  # fmt: skip
        if problem is None:
            continue
        first = model.objects.filter(dimension=dimension, value=value).order_by(period, "pk")[0]
        found.append(Evidence(problem, f"{label} row {first.pk} ({getattr(first, period)}, "
                                       f"{dimension})"))  # fmt: skip
    return found


def _named_by(value: str, *, addresses: bool) -> str | None:
    what = identifier_in(value, addresses=addresses)
    return None if what is None else f"a group named by {what}"
