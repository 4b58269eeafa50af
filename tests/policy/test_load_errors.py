"""A broken policy is refused with one clear message per problem, each saying where and why.

Every file in ``broken/`` is a copy of ``broken/base.yaml`` (a small but complete valid policy)
with one deliberate fault, or a few where the point is reporting several at once; its first line
says which. Line numbers below are the files' own: open one beside this table to follow. Each
message reads ``file:line:column: key.path: what is wrong (what is allowed)``.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pledge.policy import PolicyError, load, load_text

BROKEN = Path(__file__).resolve().parent / "broken"
BASE = (BROKEN / "base.yaml").read_text(encoding="utf-8")
AL1 = pytest.mark.clause("AL1")


def problems(name: str) -> list[str]:
    """The messages for one file in ``broken/``, read by its name as a user would pass it."""
    with pytest.raises(PolicyError) as refused:
        load(name)
    return [str(problem) for problem in refused.value.problems]


def problems_in_text(text: str) -> list[str]:
    with pytest.raises(PolicyError) as refused:
        load_text(text, source="policy.yaml")
    return [str(problem) for problem in refused.value.problems]


def base_with(old: str, new: str) -> str:
    """The base policy with one substitution; ``old`` must occur exactly once."""
    assert BASE.count(old) == 1, f"{old!r} is not in base.yaml exactly once"
    return BASE.replace(old, new)


@pytest.fixture(autouse=True)
def _in_broken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)


# --- files on disk -------------------------------------------------------------------------------

CASES = [
    pytest.param(
        "undeclared-purpose.yaml",
        [
            "undeclared-purpose.yaml:46:24: categories[0].purposes[1]: purpose 'newsletters' is "
            "not declared (declared purposes: orders, audit, newsletter)"
        ],
        marks=AL1,  # every category says why it is held: no purpose the notice cannot name
        id="category-purpose-not-declared",
    ),
    pytest.param(
        "retention-without-end.yaml",
        [
            "retention-without-end.yaml:48:5: categories[0].retention: retention has no end: "
            "give a 'maximum', or set 'on_request: true' for data kept until the person asks"
        ],
        marks=AL1,  # every category says how it is deleted
        id="retention-without-end",
    ),
    pytest.param(
        "cookie-without-lifetime.yaml",
        [
            "cookie-without-lifetime.yaml:20:5: cookies[0].lifetime: required key 'lifetime' is "
            "missing from cookies[0] (expected: 'browser-session' or a duration such as '14d')"
        ],
        id="cookie-without-lifetime",
    ),
    pytest.param(
        "retention-minimum-over-maximum.yaml",
        [
            "retention-minimum-over-maximum.yaml:59:7: categories[1].retention.minimum: minimum "
            "keep 7y is longer than the maximum 5y (the minimum must not exceed the maximum)"
        ],
        id="retention-minimum-over-maximum",
    ),
    pytest.param(
        "other-recipient-without-sharing.yaml",
        [
            "other-recipient-without-sharing.yaml:73:5: recipients[0].kind: recipient 'carrier' "
            "is of kind 'other' while 'sharing.third_parties' promises no third parties; use "
            "'processor' or 'law-enforcement', or declare the sharing"
        ],
        id="other-recipient-while-sharing-none",
    ),
    pytest.param(
        "unknown-key.yaml",
        [
            "unknown-key.yaml:50:7: categories[0].retention.maximun: unknown key 'maximun'; did "
            "you mean 'maximum'? (allowed here: not_stated, anchor, minimum, maximum, on_request, "
            "schedule, erasable_on_request, reason)"
        ],
        id="unknown-key",
    ),
    pytest.param(
        "misspelt-required-key.yaml",
        [
            "misspelt-required-key.yaml:22:5: cookies[0].lifetme: unknown key 'lifetme'; did you "
            "mean 'lifetime'? (allowed here: name, purpose, lifetime, party, audience, http_only, "
            "secure, same_site, description)"
        ],
        id="misspelt-required-key-is-one-problem",
    ),
    pytest.param(
        "bad-duration.yaml",
        [
            "bad-duration.yaml:50:7: categories[0].retention.maximum: 'five years' is not a "
            "duration: write a number and a unit, e.g. '5y', '6 months', '30d', '48h' (units: "
            "years, months, weeks, days, hours, minutes, seconds; or y, m, w, d, h, min, s)"
        ],
        id="bad-duration",
    ),
    pytest.param(
        "unknown-time-zone.yaml",
        [
            "unknown-time-zone.yaml:16:1: time_zone: unknown time zone 'Asia/Tokio'; did you mean "
            "'Asia/Tokyo'? (expected: an IANA name such as 'Asia/Tokyo' or 'Europe/London')"
        ],
        id="unknown-time-zone",
    ),
    pytest.param(
        "sweep-hour-25.yaml",
        ["sweep-hour-25.yaml:17:1: sweep_hour: 25 is out of range (allowed: 0 to 23)"],
        id="sweep-hour-25",
    ),
    pytest.param(
        "fiscal-year-end-month-13.yaml",
        [
            "fiscal-year-end-month-13.yaml:62:9: "
            "categories[1].retention.schedule.after_fiscal_year_end: '13-01' is not a fiscal-year "
            "end: there is no month 13 (write 'MM-DD', e.g. '03-31')"
        ],
        id="fiscal-year-end-13-01",
    ),
    pytest.param(
        "fiscal-year-end-february-29.yaml",
        [
            "fiscal-year-end-february-29.yaml:62:9: "
            "categories[1].retention.schedule.after_fiscal_year_end: '02-29' is not allowed: a "
            "fiscal year cannot end on a day most years lack (use '02-28')"
        ],
        id="fiscal-year-end-02-29",
    ),
    pytest.param(
        "duplicate-id.yaml",
        [
            "duplicate-id.yaml:51:5: categories[1].id: id 'user.contact' is already used by "
            "categories[0] (ids must be unique within categories)"
        ],
        id="duplicate-id",
    ),
    pytest.param(
        "duplicate-yaml-key.yaml",
        [
            "duplicate-yaml-key.yaml:11:3: controller.name: key 'name' appears twice in this "
            "mapping (first on line 9); keep one"
        ],
        id="duplicate-yaml-key",
    ),
    pytest.param(
        "consent-without-withdraw.yaml",
        [
            "consent-without-withdraw.yaml:33:5: purposes[2].withdraw: a purpose with 'consent: "
            "opt-in' must say how consent is withdrawn: add 'withdraw' with the way to do it"
        ],
        id="consent-without-withdraw",
    ),
    pytest.param(
        "subject-not-allowed.yaml",
        [
            "subject-not-allowed.yaml:44:5: categories[0].subject: 'client' is not allowed "
            "(allowed: customer, visitor, correspondent, operator)"
        ],
        id="enum-value-not-allowed",
    ),
    pytest.param(
        "wrong-type.yaml",
        [
            "wrong-type.yaml:14:3: law.frameworks: expected a list, not the text 'GDPR' (write "
            "[GDPR] for a list of one)"
        ],
        id="wrong-type",
    ),
    pytest.param(
        "missing-section.yaml",
        [
            "missing-section.yaml:2:1: sharing: required key 'sharing' is missing from the top "
            "level (expected: a mapping of keys that includes third_parties and statement)"
        ],
        id="missing-section",
    ),
    pytest.param(
        "date-that-does-not-exist.yaml",
        [
            "date-that-does-not-exist.yaml:5:12: effective: '2026-02-30' is not a date that "
            "exists (day is out of range for month); write YYYY-MM-DD"
        ],
        id="date-that-does-not-exist",
    ),
    pytest.param(
        "invalid-yaml.yaml",
        [
            "invalid-yaml.yaml:4:22: not valid YAML: mapping values are not allowed here (put a "
            "value that holds ': ' in quotes)"
        ],
        id="invalid-yaml-syntax",
    ),
    pytest.param(
        "empty.yaml",
        [
            "empty.yaml:1:1: the policy file is empty (expected: a mapping of keys such as "
            "'schema_version', 'id' and 'title')"
        ],
        id="empty-file",
    ),
    pytest.param(
        "top-level-list.yaml",
        [
            "top-level-list.yaml:2:1: a policy is a mapping of keys (such as 'schema_version: 1') "
            "at the top level, not a list"
        ],
        id="top-level-list",
    ),
    pytest.param(
        "not-utf8.yaml",
        [
            "not-utf8.yaml:9:12: not UTF-8 text: byte 0xe9 cannot be decoded (invalid "
            "continuation byte); save the file as UTF-8"
        ],
        id="not-utf8",
    ),
    pytest.param(
        "does-not-exist.yaml",
        ["does-not-exist.yaml:1:1: no such file"],
        id="file-does-not-exist",
    ),
    pytest.param(
        "several-problems.yaml",
        [
            "several-problems.yaml:17:1: sweep_hour: 25 is out of range (allowed: 0 to 23)",
            "several-problems.yaml:20:5: cookies[0].lifetime: required key 'lifetime' is missing "
            "from cookies[0] (expected: 'browser-session' or a duration such as '14d')",
            "several-problems.yaml:43:5: categories[0].subject: 'client' is not allowed (allowed: "
            "customer, visitor, correspondent, operator)",
            "several-problems.yaml:96:28: payments.methods[1]: 'cash' is not allowed (allowed: "
            "bank-transfer, paypal, hosted-card-page)",
            "several-problems.yaml:101:3: rights.how: key 'how' appears twice in this mapping "
            "(first on line 100); keep one",
        ],
        id="several-structural-problems-at-once-by-line",
    ),
    pytest.param(
        "several-rule-problems.yaml",
        [
            "several-rule-problems.yaml:33:5: purposes[2].withdraw: a purpose with 'consent: "
            "opt-in' must say how consent is withdrawn: add 'withdraw' with the way to do it",
            "several-rule-problems.yaml:45:24: categories[0].purposes[1]: purpose 'newsletters' "
            "is not declared (declared purposes: orders, audit, newsletter)",
            "several-rule-problems.yaml:58:7: categories[1].retention.minimum: minimum keep 7y is "
            "longer than the maximum 5y (the minimum must not exceed the maximum)",
            "several-rule-problems.yaml:72:5: recipients[0].kind: recipient 'carrier' is of kind "
            "'other' while 'sharing.third_parties' promises no third parties; use 'processor' or "
            "'law-enforcement', or declare the sharing",
        ],
        id="several-rule-problems-at-once-by-line",
    ),
]


@pytest.mark.parametrize(("name", "expected"), CASES)
def test_broken_file_is_refused_with_exact_messages(name: str, expected: list[str]) -> None:
    assert problems(name) == expected


def test_base_policy_is_valid() -> None:
    assert load("base.yaml").id == "base"


# How many lines of each file differ from base.yaml, its first (the comment) aside; the rest
# differ by exactly one line, so each shows one fault.
CHANGED_LINES = {"missing-section.yaml": 4, "several-problems.yaml": 5}
CHANGED_LINES |= {"several-rule-problems.yaml": 4}
NOT_COPIES = {"empty.yaml", "top-level-list.yaml"}


def _changed_lines(text: str) -> int:
    base, broken = BASE.splitlines()[1:], text.splitlines()[1:]
    opcodes = difflib.SequenceMatcher(a=base, b=broken, autojunk=False).get_opcodes()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in opcodes if tag != "equal")


@pytest.mark.parametrize(
    "name", sorted(p.name for p in BROKEN.glob("*.yaml") if p.name != "base.yaml")
)
def test_broken_file_is_base_with_its_faults_only(name: str) -> None:
    assert name in {case.values[0] for case in CASES}, "every broken file has its case above"
    raw = (BROKEN / name).read_bytes()
    assert raw == b"" or raw.startswith(b"# Broken: "), "the first line says what is broken"
    if name not in NOT_COPIES:
        assert _changed_lines(raw.decode("latin-1")) == CHANGED_LINES.get(name, 1)


# --- one substitution in memory: places that need no file of their own --------------------------

TEXT_CASES = [
    pytest.param(
        ("    withdraw: Use the unsubscribe link in any newsletter.", "    withdraw: [a, b]"),
        ["policy.yaml:38:5: purposes[2].withdraw: expected text, not a list"],
        id="optional-text-union-gives-one-error",
    ),
    pytest.param(
        ("      maximum: 2y", "      maximum: [2y]"),
        [
            "policy.yaml:50:7: categories[0].retention.maximum: expected a duration such as '5y', "
            "'6 months', '30d' or '48h', not a list"
        ],
        id="optional-duration-union-gives-one-error",
    ),
    pytest.param(
        ("    lifetime: browser-session", "    lifetime: 14"),
        [
            "policy.yaml:22:5: cookies[0].lifetime: expected 'browser-session' or a duration "
            "such as '14d', not the number 14"
        ],
        id="lifetime-union-gives-one-error",
    ),
    pytest.param(
        ("    lifetime: browser-session", "    lifetime:"),
        [
            "policy.yaml:22:5: cookies[0].lifetime: the value is empty (expected: "
            "'browser-session' or a duration such as '14d')"
        ],
        id="empty-value",
    ),
    pytest.param(
        ("after_fiscal_year_end: 03-31", "after_fiscal_year_end: 0331"),
        [
            "policy.yaml:62:9: categories[1].retention.schedule.after_fiscal_year_end: expected "
            "a day written 'MM-DD', such as '03-31', not the number 0331"
        ],
        id="number-where-text-belongs",
    ),
    pytest.param(
        ("schema_version: 1", "schema_version: 2"),
        ["policy.yaml:2:1: schema_version: 2 is not allowed (allowed: 1)"],
        id="literal-number",
    ),
    pytest.param(
        ("cards:\n", "cards:\n  store: yes\n"),
        ["policy.yaml:94:3: cards.store: yes is not allowed (allowed: false)"],
        id="literal-false",
    ),
    pytest.param(
        ("  keep: false", "  keep: sometimes"),
        ["policy.yaml:85:3: web_logs.keep: expected true or false, not the text 'sometimes'"],
        id="not-a-boolean",
    ),
    pytest.param(
        ("  email: privacy@shop.example", "  email: privacy"),
        [
            "policy.yaml:10:3: controller.email: 'privacy' is not an email address such as "
            "'privacy@example.org'"
        ],
        id="pattern-in-words",
    ),
    pytest.param(
        ("  - name: session\n    purpose: orders", "  - name: session\n    purpose: Orders"),
        [
            "policy.yaml:21:5: cookies[0].purpose: 'Orders' is not an id of lowercase letters, "
            "digits, '_', '.' or '-', starting with a letter"
        ],
        id="id-pattern-in-words",
    ),
    pytest.param(
        ("  methods: [bank-transfer]", "  methods: []"),
        ["policy.yaml:97:3: payments.methods: needs at least 1 item, found 0"],
        id="empty-list",
    ),
    pytest.param(
        ("  - name: session", "  - session\n  - name: session"),
        [
            "policy.yaml:20:5: cookies[0]: expected a mapping of keys that includes name, "
            "purpose, lifetime and description, not the text 'session'"
        ],
        id="text-where-a-mapping-belongs",
    ),
    pytest.param(
        ("id: base", "id: !!python/object:os.system base"),
        [
            "policy.yaml:3:5: id: unknown YAML tag '!!python/object:os.system': a policy holds "
            "plain values only"
        ],
        id="unsafe-tag",
    ),
    pytest.param(
        ("  frameworks: [GDPR]", "  frameworks: &self [*self]"),
        ["policy.yaml:14:15: law.frameworks[0]: this value contains itself (a recursive alias)"],
        id="recursive-alias",
    ),
    pytest.param(
        ("  name: Small Shop", "  <<: {name: Small Shop}"),
        [
            "policy.yaml:9:3: controller: merge keys ('<<') are not supported: write the keys",
        ],
        id="merge-key",
    ),
    pytest.param(
        ("cards:\n", "cards: none\n"),
        [
            "policy.yaml:94:12: not valid YAML: mapping values are not allowed here (this key is "
            "indented under a key that already has a value)"
        ],
        id="keys-under-a-value",
    ),
    pytest.param(
        ("title: Privacy Policy for a Small Shop", "title: !!binary abc"),
        [
            "policy.yaml:4:8: title: 'abc' cannot be read as base64 data (failed to decode "
            "base64 data: Incorrect padding)"
        ],
        id="unreadable-value",
    ),
    pytest.param(
        ("id: base", "id: ba\x07se"),
        ["policy.yaml:3:7: not valid YAML: the character U+0007 is not allowed in a YAML file"],
        id="control-character",
    ),
    pytest.param(
        ("  name: Small Shop", "\tname: Small Shop"),
        [
            "policy.yaml:9:1: not valid YAML: while scanning for the next token: found character "
            "'\\t' that cannot start any token (indent with spaces, not tabs)"
        ],
        id="tab-indent",
    ),
    pytest.param(
        ("id: base", "id: 'base"),
        [
            "policy.yaml:105:1: not valid YAML: while scanning a quoted scalar (line 3, column "
            "5): found unexpected end of stream"
        ],
        id="unclosed-quote",
    ),
    pytest.param(
        ("sweep_hour: 4", "sweep_hour: 4\n---\nsweep_hour: 5"),
        [
            "policy.yaml:18:1: not valid YAML: expected a single document in the stream (line 2, "
            "column 1): but found another document"
        ],
        id="two-documents",
    ),
]


@pytest.mark.parametrize(("substitution", "expected"), TEXT_CASES)
def test_one_substitution_is_refused_with_exact_messages(
    substitution: tuple[str, str], expected: list[str]
) -> None:
    assert problems_in_text(base_with(*substitution)) == expected


def test_a_file_of_comments_only_is_empty() -> None:
    assert problems_in_text("# nothing here yet\n\n") == [
        "policy.yaml:1:1: the policy file is empty (expected: a mapping of keys such as "
        "'schema_version', 'id' and 'title')"
    ]


def test_aliases_that_expand_without_bound_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    assert problems_in_text("\n".join(lines)) == [
        "policy.yaml:1:1: the file expands, through aliases, to more than 100000 values; a "
        "policy needs far fewer"
    ]


def test_deep_nesting_is_refused() -> None:
    assert problems_in_text("a: " + "[" * 1000 + "]" * 1000) == [
        "policy.yaml:1:1: not valid YAML: nested too deeply"
    ]
    deep = "[" * 60 + "]" * 60
    assert problems_in_text(base_with("  frameworks: [GDPR]", f"  frameworks: {deep}")) == [
        "policy.yaml:14:16: law.frameworks[0]: expected text, not a list",
        f"policy.yaml:14:64: law.frameworks{'[0]' * 49}: nested more than 50 levels deep",
    ]


def test_a_directory_is_not_a_policy(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as refused:
        load(tmp_path)
    assert [str(p) for p in refused.value.problems] == [
        f"{tmp_path}:1:1: a directory, not a policy file"
    ]


def test_problems_carry_their_place_as_data() -> None:
    with pytest.raises(PolicyError) as refused:
        load("sweep-hour-25.yaml")
    (problem,) = refused.value.problems
    assert (problem.source, problem.line, problem.column) == ("sweep-hour-25.yaml", 17, 1)
    assert problem.path == ("sweep_hour",)


# --- whatever the text, loading raises PolicyError or nothing ------------------------------------

YAML_CHARACTERS = st.sampled_from(list(":-[]{}&*!|>'\"#%@`,? \t\n\x00\x07\ufeff\u00e9abz019"))


@st.composite
def mutated_base(draw: st.DrawFn) -> str:
    """base.yaml after a few random edits: lines deleted or repeated, characters swapped,
    inserted or removed, and the end cut off."""
    lines = BASE.splitlines(keepends=True)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        edit = draw(st.sampled_from(["delete", "repeat", "swap", "insert", "remove", "truncate"]))
        text = "".join(lines)
        if edit in ("delete", "repeat") and lines:
            at = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[at : at + 1] = [] if edit == "delete" else [lines[at], lines[at]]
            continue
        at = draw(st.integers(min_value=0, max_value=max(len(text) - 2, 0)))
        if edit == "swap" and len(text) > 1:
            text = text[:at] + text[at + 1] + text[at] + text[at + 2 :]
        elif edit == "insert":
            text = text[:at] + draw(st.text(YAML_CHARACTERS, min_size=1, max_size=3)) + text[at:]
        elif edit == "remove":
            text = text[:at] + text[at + 1 :]
        elif edit == "truncate":
            text = text[:at]
        lines = text.splitlines(keepends=True)
    return "".join(lines)


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.one_of(mutated_base(), st.text(max_size=200)))
def test_loading_raises_nothing_but_policy_error(text: str) -> None:
    try:
        load_text(text, source="mutated.yaml")
    except PolicyError as refused:
        assert refused.problems
        last_line = text.count("\n") + text.count("\r") + 2
        for problem in refused.problems:
            assert 1 <= problem.line <= last_line
            assert problem.column >= 1
            assert problem.message
            assert str(problem).startswith(f"mutated.yaml:{problem.line}:{problem.column}: ")
