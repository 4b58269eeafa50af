"""Small groups are never shown, and no subtraction of one figure from another shows them.

Rules, applied to each day's counts (the only counts stored), then everything else is summed
from what survives:

1. A day whose people (or bots) number fewer than the policy's minimum group size shows
   nothing of them that day.
2. In each dimension of a day, a group with fewer visitors than the minimum is suppressed.
3. The suppressed groups of a dimension can be recovered as a sum (the day's total minus the
   groups shown), so if that sum rests on fewer visitors than the minimum, the smallest shown
   groups are suppressed too, until it rests on at least the minimum (or nothing is shown).
   What remains is then shown, honestly, as one row: "(smaller groups)".
4. A week, a month, or any range of days is the sum of the days' shown figures. Subtracting
   one report from another therefore yields sums of figures that were already shown, each
   backed by at least the minimum number of visitors: no range can be subtracted from another
   to single anyone out.

The price is that a group too small on each day stays unseen over a month; the visitors it
had still count in the totals and in "(smaller groups)".
"""

from __future__ import annotations

import polars as pl

from pledge.traffic.models import Dimension

SMALLER = "(smaller groups)"
KEY = ["day", "dimension"]
_HUMAN = [d.value for d in Dimension if d not in (Dimension.SITE, Dimension.BOT)]


def suppress(cells: pl.DataFrame, minimum: int) -> pl.DataFrame:
    """The publishable cells of some days' counts.

    ``cells``: day, dimension, value, views, visitors (``DailyCount`` rows). Returns the same
    columns: the totals (``site``) that may be shown, the groups that may be shown, and per day
    and dimension a ``SMALLER`` row for the rest (never below ``minimum`` visitors).
    """
    cells = cells.with_columns(pl.col("views").cast(pl.Int64), pl.col("visitors").cast(pl.Int64))
    site = cells.filter(pl.col("dimension") == Dimension.SITE.value)
    totals = site.filter(pl.col("visitors") >= minimum)
    shown_days = {
        "human": totals.filter(pl.col("value") == "human").select("day"),
        "bot": totals.filter(pl.col("value") == "bot").select("day"),
    }
    groups = pl.concat(
        [
            cells.filter(pl.col("dimension").is_in(_HUMAN)).join(
                shown_days["human"], on="day", how="semi"
            ),
            cells.filter(pl.col("dimension") == Dimension.BOT.value).join(
                shown_days["bot"], on="day", how="semi"
            ),
        ]
    )
    ranked = groups.sort([*KEY, "visitors", "views", "value"]).with_columns(
        primary=pl.col("visitors") < minimum
    )
    ranked = ranked.with_columns(
        hidden=(pl.col("visitors") * pl.col("primary")).sum().over(KEY),
        before=(pl.col("visitors") * ~pl.col("primary")).cum_sum().over(KEY)
        - pl.col("visitors") * ~pl.col("primary"),
    )
    # A shown group is also suppressed while the hidden sum, grown by the shown groups before
    # it (smallest first), is still above zero and below the minimum.
    ranked = ranked.with_columns(
        suppressed=pl.col("primary")
        | ((pl.col("hidden") > 0) & (pl.col("hidden") + pl.col("before") < minimum))
    )
    shown = ranked.filter(~pl.col("suppressed")).select(cells.columns)
    rest = (
        ranked.filter(pl.col("suppressed"))
        .group_by(KEY)
        .agg(pl.col("views").sum(), pl.col("visitors").sum())
        .filter(pl.col("visitors") >= minimum)
        .with_columns(value=pl.lit(SMALLER))
        .select(cells.columns)
    )
    return pl.concat([totals, shown, rest]).sort(["day", "dimension", "value"])
