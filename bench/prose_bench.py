"""Measure ``pledge policy import``: precision and recall per field, and speed.

    python bench/prose_bench.py            # both, as the Markdown docs/benchmarks.md records
    python bench/prose_bench.py --detail   # also every notice's label and prediction
    python bench/prose_bench.py --runs 15  # more timing runs

Accuracy is measured on the eleven labelled real notices in ../shared/data/notices (beside the
repository; the texts stay there). Their labels are the "Ground truth" table of INDEX.md, read
here as written: each cell opens with its verdict ("not stated", "**no**", "**yes**: ...",
"**session only** ...", "**unclear**: ...", "n/a"), and that verdict is the gold value. The
extractor abstains where it finds nothing; per field:

- precision = correct values / values the extractor gave (a value where the label says "not
  stated" is a false positive);
- recall = correct values / values the labels give.

Speed is measured on a 10,000-word notice: the eleven notices and the two seeds joined (real
prose), as text and as an HTML page with navigation and scripts; where ../shared is absent, on
notice-like text generated here. Each figure is the median of several cold runs of the whole
import (read, extract, write the draft), in process, as CPU time (the work itself) and wall
time (which also counts waiting while other programs hold the processors); the command, with
Python's start-up and imports, is timed apart.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NOTICES = SHARED / "data" / "notices"
SEEDS = SHARED / "seeds"
sys.path.insert(0, str(ROOT / "src"))

from pledge.policy.prose import Import, import_text  # noqa: E402
from pledge.policy.prose.facts import Status  # noqa: E402

# --- the labels -----------------------------------------------------------------------------

COLUMNS = {
    "cookies": "Cookies used?",
    "retention": "Retention period(s) stated",
    "sharing": "Third-party sharing (+ exceptions)",
    "cards": "Card data stored by operator?",
    "email": "Contact email present?",
}
_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "thirty": 30,
}
_PERIOD = re.compile(r"\b(\d+|" + "|".join(_NUMBERS) + r")\s+(year|month|week|day)s?\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class LabelError(ValueError):
    """A label cell opens with a verdict this reader does not know: fix the reader, not the data."""


def _verdict(cell: str) -> str:
    """The opening words of a cell, without Markdown emphasis: 'not stated', 'yes', 'no'."""
    return re.sub(r"[*_`]", "", cell).strip().lower()


def read_labels(index: Path) -> dict[str, dict[str, str]]:
    """The ground-truth table of INDEX.md: file number -> column title -> cell text."""
    lines = index.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "## Ground truth")
    rows = [line for line in lines[start:] if line.startswith("|")]
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    labels: dict[str, dict[str, str]] = {}
    for row in rows[2:]:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        labels[cells[0]] = dict(zip(header, cells, strict=True))
    return labels


def gold(cells: dict[str, str]) -> dict[str, object]:
    """Each field's gold value; None where the label says the notice does not state it."""
    cookies = _verdict(cells[COLUMNS["cookies"]])
    if cookies.startswith("not stated"):
        cookie_value = None
    elif cookies.startswith(("yes", "session")):
        cookie_value = "yes"
    elif cookies.startswith("no"):
        cookie_value = "no"
    else:
        raise LabelError(f"cookies: {cookies!r}")
    retention = _verdict(cells[COLUMNS["retention"]])
    sharing = _verdict(cells[COLUMNS["sharing"]])
    if sharing.startswith("not stated"):
        sharing_value = None
    elif sharing.startswith("yes") or "yes in practice" in sharing:
        sharing_value = "yes"
    elif sharing.startswith("no"):
        sharing_value = "no"
    else:
        raise LabelError(f"sharing: {sharing!r}")
    cards = _verdict(cells[COLUMNS["cards"]])
    if cards.startswith(("not stated", "n/a")):
        card_value = None
    elif cards.startswith("no"):
        card_value = "not stored"
    elif cards.startswith("unclear"):
        card_value = "unclear"
    elif cards.startswith("yes"):
        card_value = "stored"
    else:
        raise LabelError(f"cards: {cards!r}")
    email = _verdict(cells[COLUMNS["email"]])
    legal = re.search(
        r"exception[^|]*\b(?:law|legal|judicial|court|statute|subpoena|regulation)", sharing
    )
    return {
        "cookies used": cookie_value,
        "retention stated": None if retention.startswith("not stated") else "yes",
        "retention periods": {_days(n, u) for n, u in _PERIOD.findall(retention)},
        "third-party sharing": sharing_value,
        "legal-disclosure exception": "yes" if legal else None,
        "card data": card_value,
        "contact email": set(_EMAIL.findall(email)) if email.startswith("yes") else None,
    }


def _days(number: str, unit: str) -> float:
    n = int(number) if number.isdigit() else _NUMBERS[number]
    return n * {"year": 365.25, "month": 30.44, "week": 7, "day": 1}[unit]


def predict(result: Import) -> dict[str, object]:
    found = result.findings
    if found is None:
        return dict.fromkeys(FIELDS)  # no draft, nothing claimed
    cookies = found.cookies.used
    sharing = found.sharing.verdict
    cards = found.cards
    legal = {"law-enforcement", "legal-obligation"} & set(found.sharing.exception_kinds())
    return {
        "cookies used": None if cookies.value is None else ("yes" if cookies.value else "no"),
        "retention stated": "yes" if found.retention.stated else None,
        "retention periods": {round(d.approx_days(), 2) for d in found.retention.durations()},
        "third-party sharing": None
        if sharing.value is None
        else ("yes" if sharing.value else "no"),
        "legal-disclosure exception": "yes" if legal else None,
        "card data": (
            None
            if cards.status is Status.NOT_STATED
            else "unclear"
            if cards.status in (Status.UNCLEAR, Status.CONTRADICTORY)
            else cards.value
        ),
        "contact email": found.email.value,
    }


FIELDS = (
    "cookies used",
    "retention stated",
    "retention periods",
    "third-party sharing",
    "legal-disclosure exception",
    "card data",
    "contact email",
)
REQUIRED = ("cookies used", "retention stated", "third-party sharing", "card data")
"""The fields issue 10 requires at precision and recall of at least 0.9."""


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    labelled: int = 0  # gold values (set fields: gold items)

    @property
    def precision(self) -> float:
        given = self.tp + self.fp
        return self.tp / given if given else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.labelled if self.labelled else 1.0


def _same_period(a: float, b: float) -> bool:
    return abs(a - b) <= max(1.0, 0.02 * b)


def _agrees(field: str, gold_value: object, guess: object) -> bool:
    if field == "retention periods":
        assert isinstance(gold_value, set) and isinstance(guess, set)
        return len(gold_value) == len(guess) and all(
            any(_same_period(x, y) for y in gold_value) for x in guess
        )
    if isinstance(gold_value, set):
        return guess in gold_value
    return guess == gold_value


def score(pairs: list[tuple[dict[str, object], dict[str, object]]]) -> dict[str, Score]:
    """Precision and recall per field over (gold, predicted) pairs, one pair per notice."""
    scores = {field: Score() for field in FIELDS}
    for truth, guess in pairs:
        for field in FIELDS:
            s = scores[field]
            g, p = truth[field], guess[field]
            if field == "retention periods":
                assert isinstance(g, set) and isinstance(p, set)
                s.labelled += len(g)
                hits = {x for x in p if any(_same_period(x, y) for y in g)}
                s.tp += len(hits)
                s.fp += len(p) - len(hits)
                continue
            if g is not None:
                s.labelled += 1
            if p is None:
                continue
            if _agrees(field, g, p):
                s.tp += 1
            else:
                s.fp += 1
    for s in scores.values():
        s.fn = s.labelled - s.tp
    return scores


def evaluate(
    notices: Path = NOTICES,
) -> tuple[dict[str, Score], list[tuple[str, dict[str, object], dict[str, object]]]]:
    labels = read_labels(notices / "INDEX.md")
    rows = []
    for path in sorted(notices.glob("*.txt")):
        number = path.name.split("_", 1)[0]
        result = import_text(path.read_text(encoding="utf-8"), source=path.name)
        rows.append((path.name, gold(labels[number]), predict(result)))
    return score([(g, p) for _, g, p in rows]), rows


# --- speed ----------------------------------------------------------------------------------

_SYNTHETIC = (
    "We collect your {item} when you {act}.",
    "Your {item} is kept for {n} {unit} and then deleted.",
    "We will not pass your {item} to any third parties, unless the law requires it.",
    "We use a cookie to keep the goods in your basket; it is deleted when you close your browser.",
    "If you have questions about your {item}, please contact privacy@example.org.",
    "Statistics of visits are only used in aggregate form and cannot identify you.",
    "We do not retain any credit card information on our servers.",
)
_ITEMS = ("name", "email address", "postal address", "telephone number", "IP address", "order")
_ACTS = ("register", "place an order", "email us", "visit the site", "use the contact form")


def synthetic_notice(words: int, seed: int = 10) -> str:
    """Notice-like prose of about ``words`` words, for when ../shared is absent."""
    rng = random.Random(seed)
    paragraphs, count, section = [], 0, 0
    while count < words:
        section += 1
        paragraphs.append(f"## {section}. Section {section}")
        lines = [
            rng.choice(_SYNTHETIC).format(
                item=rng.choice(_ITEMS),
                act=rng.choice(_ACTS),
                n=rng.randint(1, 9),
                unit=rng.choice(("years", "months", "days")),
            )
            for _ in range(rng.randint(3, 8))
        ]
        paragraphs.append(" ".join(lines))
        count += sum(len(line.split()) for line in lines) + 3
    return "\n\n".join(paragraphs) + "\n"


def real_notice(words: int) -> str | None:
    """The labelled notices and the seeds joined, repeated until ``words`` words."""
    files = sorted(NOTICES.glob("*.txt")) + sorted(SEEDS.glob("*.txt"))
    if not files:
        return None
    texts, count = [], 0
    while count < words:
        for path in files:
            text = path.read_text(encoding="utf-8")
            texts.append(text)
            count += len(text.split())
            if count >= words:
                break
    return "\n\n".join(texts)


def as_html(text: str) -> str:
    """A page as a site would serve it: navigation, scripts, styles, then the notice."""
    nav = "".join(f'<li><a href="/p{i}">Page {i}</a></li>' for i in range(60))
    body = "".join(
        f"<h2>{html.escape(block[3:])}</h2>"
        if block.startswith("## ")
        else f"<p>{html.escape(block)}</p>"
        for block in text.split("\n\n")
    )
    script = "<script>var t = {};" + "t.x = 1;" * 500 + "</script>"
    return (
        "<!DOCTYPE html><html><head><title>Privacy</title><style>p{margin:0}</style>"
        f"{script}</head><body><nav><ul>{nav}</ul></nav><main>{body}</main>"
        f"<footer><nav>{nav}</nav></footer>{script}</body></html>"
    )


def _median(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``runs`` calls. CPU time is the work itself; wall
    time also counts waiting for a processor other programs hold."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def _command_median(command: list[str], runs: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds (of the child process) of running a command."""
    walls, cpus = [], []
    for _ in range(runs):
        before = os.times()
        wall = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, cwd=ROOT)
        walls.append(time.perf_counter() - wall)
        after = os.times()
        cpus.append(after.children_user + after.children_system - before.children_user
                    - before.children_system)  # fmt: skip
    return statistics.median(walls), statistics.median(cpus)


def timing(runs: int) -> list[tuple[str, int, tuple[float, float]]]:
    text = real_notice(10_000)
    source = "the 11 labelled notices and 2 seeds"
    if text is None:
        text, source = synthetic_notice(10_000), "generated notice-like text"
    words = len(text.split())
    page = as_html(text)
    figures = [
        (f"{source}, plain text", words, _median(lambda: import_text(text), runs)),
        (
            f"{source}, HTML with navigation and scripts",
            words,
            _median(lambda: import_text(page, suffix=".html"), runs),
        ),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        notice = Path(tmp) / "notice.txt"
        notice.write_text(text, encoding="utf-8")
        command = [sys.executable, "-m", "pledge.cli", "policy", "import", str(notice)]
        label = f"{source}: the `pledge policy import` command, Python start-up included"
        figures.append((label, words, _command_median(command, max(3, runs // 3))))
    return figures


def report(scores: dict[str, Score]) -> str:
    lines = [
        "| field | precision | recall | correct / given / labelled |",
        "|---|---:|---:|---:|",
    ]
    for field, s in scores.items():
        mark = " (required ≥ 0.9)" if field in REQUIRED else ""
        lines.append(
            f"| {field}{mark} | {s.precision:.2f} | {s.recall:.2f} | "
            f"{s.tp} / {s.tp + s.fp} / {s.labelled} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="each notice's gold and prediction")
    parser.add_argument("--runs", type=int, default=9, help="timing runs per figure")
    args = parser.parse_args(argv)
    if (NOTICES / "INDEX.md").exists():
        scores, rows = evaluate()
        print(f"Accuracy on {len(rows)} labelled notices ({NOTICES}):\n")
        print(report(scores))
        if args.detail:
            for name, truth, guess in rows:
                print(f"\n{name}")
                for field in FIELDS:
                    flag = "" if _agrees(field, truth[field], guess[field]) else "   <-- differs"
                    print(f"  {field:28} gold={truth[field]!r:40} got={guess[field]!r}{flag}")
    else:
        print(f"Accuracy: skipped, {NOTICES} is absent (it lives beside the repository).")
    load = os.getloadavg()[0]
    print(f"\nSpeed (median of {args.runs} cold runs; {os.cpu_count()} CPUs, load average "
          f"{load:.1f} while measuring):\n")  # fmt: skip
    print("| notice | words | CPU seconds | wall seconds |")
    print("|---|---:|---:|---:|")
    for label, words, (wall, cpu) in timing(args.runs):
        print(f"| {label} | {words:,} | {cpu:.3f} | {wall:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
