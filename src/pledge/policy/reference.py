"""The policy file reference (``docs/policy.md``), generated from the schema's own models.

Keys, types, defaults and descriptions are read from the pydantic models in
``pledge.policy.schema``, so the reference cannot promise a key the loader refuses or miss one it
accepts. Only the introduction and the examples are written by hand here; the examples are
checked against the models by ``tests/policy/test_reference.py``, which also keeps the committed
document equal to this output. Regenerate with::

    python -m pledge.policy.reference > docs/policy.md
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args, get_origin

from annotated_types import Ge, Le, MinLen
from pydantic import BaseModel, StringConstraints
from pydantic.fields import FieldInfo

from pledge.policy import schema
from pledge.policy.calendar import Duration, FiscalYearEnd

REGENERATE = "python -m pledge.policy.reference > docs/policy.md"

# --- hand-written prose --------------------------------------------------------------------------

INTRODUCTION = """\
# Policy file reference

<!-- Generated from src/pledge/policy/schema.py by `{regenerate}`.
Do not edit by hand: change the models, or the prose in src/pledge/policy/reference.py, and
regenerate. A test fails while this file and the models disagree. -->

A business writes its privacy policy as one YAML file, such as `policies/japan-centre.yaml` or
`policies/alps.yaml`. The file is the single source of what the business promises: pledge builds
the site, handles and deletes the data, and renders the privacy notice from it. A promise the file
makes is enforced; one it does not make is not kept.

## Checking a file

`pledge policy check FILE` loads the file and lists every problem with its line and column:

- a key a section does not know (every section refuses unknown keys, so a typo is an error, not a
  silent no-op);
- a required key that is missing, or a value of the wrong type;
- parts of the file that disagree with one another, such as a category naming a purpose that is
  not declared, or a retention minimum longer than its maximum.

A file with any problem is refused as a whole: pledge never runs on a half-valid promise.

While editing, let your editor check as you type: `pledge policy schema` prints the file's JSON
Schema. Save it (`pledge policy schema > policy.schema.json`) and point your editor's YAML support
at it, for example with the first line `# yaml-language-server: $schema=policy.schema.json`. The
JSON Schema knows keys and types only; `pledge policy check` has the final word.

## What the original notice did not state

A policy usually keeps an existing prose notice. Where that notice is silent or out of date, the
policy still chooses a lawful value, and says why in a `not_stated` key beside it. The rendered
notice repeats the reason, so a reader knows the point is new. These sections accept
`not_stated`:
{not_stated_sections}.

## Durations

A duration is a number and a unit: `5y`, `6 months`, `30d`, `48h`. Parts add up, as in `1y 6m`.
The units are `y` (`year`, `years`), `m` (`month`, `months`; never minutes), `w` (`week`,
`weeks`), `d` (`day`, `days`), `h` (`hour`, `hours`), `min` (`minute`, `minutes`) and `s`
(`second`, `seconds`); `0d` means at once. Years, months and days count on the calendar of the
controller's `time_zone` (five years from 29 February ends at the end of 28 February); hours,
minutes and seconds are elapsed time, for short periods such as a session's idle time.

## Fiscal-year ends

A fiscal-year end is the last day of a fiscal year, written `MM-DD`: `03-31` in Japan. 29 February
is refused. A retention `schedule` with `after_fiscal_year_end` keeps data past its `maximum`
until the close of the first such day on or after it (local midnight), plus the schedule's `grace`.

## Ids

An id is lowercase text such as `user.contact.email`, matching `{id_pattern}`, at most {id_max}
characters. The policy itself has one, and so does each item of these lists:
{id_sections}.
Other keys point to those items by id: a category's `purposes`, for instance, lists purpose ids.

## Reading the tables

Each section below documents one mapping of the file. `cookies[]` means each item of the list
`cookies`; `categories[].retention` is the `retention` mapping inside each category. An optional
key may be left out; a key with a default takes that value when left out. Long text may use
YAML's folded style (`>-`), as the examples do.

Sections:

{contents}
"""


class Example(NamedTuple):
    """A passage of a real policy file, so each section shows keys as people actually write them."""

    source: str
    text: str


JAPAN_CENTRE = "policies/japan-centre.yaml"
ALPS = "policies/alps.yaml"

EXAMPLES: dict[str, Example] = {
    "": Example(
        JAPAN_CENTRE,
        """\
schema_version: 1
id: japan-centre
title: Japan Centre Privacy & Security Statement
effective: 2026-11-22
original: japancentre.com privacy policy, archived 2014-06-29
summary: >-
  Japan Centre is committed to safeguarding the privacy of our users while providing the highest
  possible quality of service. We use the information we collect about you only lawfully.
time_zone: Europe/London
sweep_hour: 3
erasure_window: 30d
""",
    ),
    "controller": Example(
        ALPS,
        """\
controller:
  name: ALPS Printer Services Japan
  email: info@alps-printer.jp
  address: Written requests to the postal address shown on our contact page.
  own_addresses: [info@alps-printer.jp, orders@alps-printer.jp]
  not_stated: >-
    The original notice names no contact address; these are the addresses the operators use.
""",
    ),
    "law": Example(
        JAPAN_CENTRE,
        """\
law:
  jurisdiction: GB
  frameworks: [UK GDPR, Data Protection Act 2018]
  original_reference: Data Protection Act 1998
  regulator: the Information Commissioner's Office (ico.org.uk)
  not_stated: >-
    The original notice names the Data Protection Act 1998, which has since been replaced by the
    UK GDPR and the Data Protection Act 2018; we follow the law now in force.
""",
    ),
    "transport": Example(
        ALPS,
        """\
transport:
  https: encouraged
  http_redirect: true
  hsts: 1y
""",
    ),
    "cookies[]": Example(
        JAPAN_CENTRE,
        """\
cookies:
  - name: operator
    purpose: security
    lifetime: browser-session
    audience: operators
    same_site: Strict
    description: Signs a member of our staff in to the shop's administration pages.
""",
    ),
    "purposes[]": Example(
        JAPAN_CENTRE,
        """\
purposes:
  - id: orders
    description: Processing any orders you may have made.
    legal_basis: contract
  - id: marketing
    description: Providing you with information about products and services we offer.
    legal_basis: consent
    consent: opt-in
    marketing: true
    withdraw: >-
      Untick the box on your account page at any time; we stop at once. You can also ask us by
      email.
""",
    ),
    "categories[]": Example(
        ALPS,
        """\
categories:
  - id: user.device.web_logs
    name: Web server logs
    fields: [IP address, time of access, browser string, referrer, page visited]
    subject: visitor
    sources: [web server, for each page visited]
    purposes: [operation, audit, statistics]
    kinds: [ip_address]
    retention:
      anchor: collected
      minimum: 5y
      maximum: 5y
      schedule:
        after_fiscal_year_end: 03-31
        grace: 30d
      erasable_on_request: false
      reason: >-
        Kept for a period of five years, as part of auditing requirements for Japanese internet
        business records. After this period, the logs and any off-site backups are deleted.
""",
    ),
    "personal_data_kinds[]": Example(
        JAPAN_CENTRE,
        """\
personal_data_kinds:
  - {id: name, label: names}
  - {id: email, label: email addresses}
  - {id: transactions, label: records of your orders}
""",
    ),
    "recipients[]": Example(
        ALPS,
        """\
recipients:
  - id: law-enforcement
    name: Law enforcement
    kind: law-enforcement
    categories: [user.device.web_logs, user.correspondence, user.behavior.purchase_history]
    condition: >-
      Only when we are legally obliged to hand data over for law enforcement purposes; each
      disclosure is recorded in our disclosure register.
""",
    ),
    "sharing": Example(
        JAPAN_CENTRE,
        """\
sharing:
  third_parties: none
  statement: We will not pass your information to any third parties.
""",
    ),
    "analytics": Example(
        JAPAN_CENTRE,
        """\
analytics:
  mode: aggregate-only
  min_group_size: 5
  unique_salt_lifetime: 48h
  statement: >-
    We also collect information automatically about your visit to our site. The information
    obtained in this way, which includes browsing patterns, is only used in aggregate form, and
    as such cannot be used to identify you. We set no cookie for it and store no network address.
""",
    ),
    "web_logs": Example(
        ALPS,
        """\
web_logs:
  keep: true
  category: user.device.web_logs
""",
    ),
    "accounts": Example(
        JAPAN_CENTRE,
        """\
accounts:
  registration: true
  session_idle: 2h
  contact_form: true
""",
    ),
    "passwords": Example(
        JAPAN_CENTRE,
        """\
passwords:
  hasher: argon2id
  legacy: [sha512-unsalted]
  statement: >-
    All passwords are stored on our databases using a one-way hash (Argon2id). Passwords from our
    former system, kept as 512-bit SHA-512 digests, are wrapped in the same slow hash and upgraded
    the first time you sign in.
""",
    ),
    "cards": Example(
        JAPAN_CENTRE,
        """\
cards:
  store: false
  statement: We do not retain any credit card information on our servers or databases.
""",
    ),
    "payments": Example(
        JAPAN_CENTRE,
        """\
payments:
  methods: [bank-transfer, hosted-card-page]
  statement: >-
    You pay by bank transfer to our account, quoting your order reference, or on our card payment
    provider's own page. No card field exists on our site.
  not_stated: The original notice does not say how payments are taken.
""",
    ),
    "rights": Example(
        ALPS,
        """\
rights:
  response_time: 1m
  how: >-
    Visitors who have questions or requests regarding personal data can contact the site
    owner/operators by email or letter. Email systems are not linked to the website, so we
    answer requests in writing.
  in_writing_only: true
""",
    ),
    "security": Example(
        JAPAN_CENTRE,
        """\
security:
  statements:
    - >-
      Your personal details are stored encrypted, under a key of their own, so that deleting the
      key deletes every copy, backups included.
""",
    ),
}

# --- walking the models ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    """One mapping of the file: where it sits (``categories[].retention``) and its model."""

    path: str
    model: type[BaseModel]

    @property
    def title(self) -> str:
        return f"`{self.path}`" if self.path else "Top level"

    @property
    def anchor(self) -> str:
        return _anchor(self.title)

    @property
    def is_top_level(self) -> bool:
        """The file itself or a mapping directly under it: the ones that get an example."""
        return "." not in self.path


class Nested(NamedTuple):
    """A model inside a field; ``many`` when it is a list, which the path marks with '[]'."""

    model: type[BaseModel]
    many: bool


def sections(model: type[BaseModel] = schema.Policy, path: str = "") -> list[Section]:
    """Every mapping of the file, depth first in field order, so the reference reads as a file
    is written: each section is followed by the mappings nested inside it."""
    found = [Section(path, model)]
    for key, field in _fields(model):
        nested = _nested(field.annotation)
        if nested is not None:
            found += sections(nested.model, _child_path(path, key, nested.many))
    return found


def _fields(model: type[BaseModel]) -> list[tuple[str, FieldInfo]]:
    """A model's fields with its own first, so mixed-in keys (``not_stated``) come last, where
    the policy files write them."""
    own = inspect.get_annotations(model)
    return sorted(model.model_fields.items(), key=lambda item: item[0] not in own)


def _nested(annotation: Any) -> Nested | None:
    """The model a field holds, directly, in a list or as an option; ``None`` for plain values."""
    origin = get_origin(annotation)
    if origin is list:
        inner = _nested(get_args(annotation)[0])
        return Nested(inner.model, True) if inner else None
    if origin in (Union, UnionType, Annotated):
        return next((n for a in get_args(annotation) if (n := _nested(a))), None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return Nested(annotation, False)
    return None


def _child_path(path: str, key: str, many: bool) -> str:
    joined = f"{path}.{key}" if path else key
    return f"{joined}[]" if many else joined


def _full_annotation(field: FieldInfo) -> Any:
    """Pydantic splits ``Annotated`` off a field; put it back so constraints read as one type."""
    return Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation


# --- types in plain words --------------------------------------------------------------------


class Words(NamedTuple):
    """A type in plain words, singular and plural, so a list reads 'list of category ids'."""

    one: str
    many: str


_PLAIN: dict[Any, Words] = {
    str: Words("text", "texts"),
    bool: Words("true or false", "true or false values"),
    int: Words("whole number", "whole numbers"),
    dt.date: Words("date (YYYY-MM-DD)", "dates (YYYY-MM-DD)"),
    Duration: Words("duration", "durations"),
    FiscalYearEnd: Words("fiscal-year end (MM-DD)", "fiscal-year ends (MM-DD)"),
}


def _aliases(key: str) -> list[tuple[Any, Words]]:
    """The schema's named types, which say more than their constraints spelled out would."""
    noun = _id_noun(key)
    lifetime = f"`{schema.BROWSER_SESSION}` or a duration"
    return [
        (schema.Text, Words("text", "texts")),
        (schema.Slug, Words(noun, f"{noun}s")),
        (schema.Email, Words("email address", "email addresses")),
        (schema.CookieLifetime, Words(lifetime, lifetime)),
    ]


def _id_sections() -> list[str]:
    """Top-level lists whose items carry an ``id``: the sections other keys point into."""
    return [
        key
        for key, field in schema.Policy.model_fields.items()
        if (nested := _nested(field.annotation))
        and nested.many
        and "id" in nested.model.model_fields
    ]


def _id_noun(key: str) -> str:
    """'category id' for a key named after a section of ids (``categories``, ``category``,
    ``kinds`` for ``personal_data_kinds``): ids are plain text in the schema, and the key's name
    is what says which section they point into."""
    for section in _id_sections():
        singular = _singular(section)
        if key in (section, singular) or section.endswith(f"_{key}"):
            return f"{singular.replace('_', ' ')} id"
    return "id"


def _singular(plural: str) -> str:
    return f"{plural[:-3]}y" if plural.endswith("ies") else plural.removesuffix("s")


def _words(annotation: Any, key: str) -> Words:
    """A type as a person writing YAML thinks of it, not as Python spells it."""
    for alias, words in _aliases(key):
        if annotation == alias:
            return words
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *metadata = get_args(annotation)
        return _constrained(_words(base, key), metadata)
    if origin in (Union, UnionType):
        options = [_words(a, key) for a in get_args(annotation) if a is not NoneType]
        return Words(" or ".join(w.one for w in options), " or ".join(w.many for w in options))
    if origin is list:
        item = _words(get_args(annotation)[0], key)
        return Words(f"list of {item.many}", f"lists of {item.many}")
    if origin is Literal:
        return _choices(get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _choices([member.value for member in annotation])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return Words("mapping", "mappings")
    name = getattr(annotation, "__name__", str(annotation))
    return _PLAIN.get(annotation, Words(name, name))


def _choices(values: Sequence[Any]) -> Words:
    shown = ", ".join(_yaml(v) for v in values)
    return Words(f"{'only' if len(values) == 1 else 'one of:'} {shown}", f"any of: {shown}")


def _constrained(words: Words, metadata: list[Any]) -> Words:
    """Bounds and patterns that pydantic enforces, appended so the table promises no more."""
    notes = _constraint_notes(metadata)
    if not notes:
        return words
    suffix = f" ({', '.join(notes)})"
    return Words(f"{words.one}{suffix}", f"{words.many}{suffix}")


def _constraint_notes(metadata: list[Any]) -> list[str]:
    low = next((m.ge for m in metadata if isinstance(m, Ge)), None)
    high = next((m.le for m in metadata if isinstance(m, Le)), None)
    notes = [_bounds(low, high)] if low is not None or high is not None else []
    for item in metadata:
        if isinstance(item, MinLen):
            notes.append("at least one" if item.min_length == 1 else f"at least {item.min_length}")
        elif isinstance(item, StringConstraints) and item.pattern:
            notes.append(f"matching `{item.pattern}`")
    return notes


def _bounds(low: object, high: object) -> str:
    if low is not None and high is not None:
        return f"from {low} to {high}"
    return f"at least {low}" if low is not None else f"at most {high}"


# --- rendering -------------------------------------------------------------------------------


def reference_markdown() -> str:
    """The whole reference, ready to commit as ``docs/policy.md``."""
    all_sections = sections()
    parts = [_introduction(all_sections), *(_section_markdown(s) for s in all_sections)]
    return "\n".join(parts)


def _introduction(all_sections: list[Section]) -> str:
    """The hand-written prose, with every list in it filled from the models."""
    slug = next(m for m in get_args(schema.Slug)[1:] if isinstance(m, StringConstraints))
    with_ids = [s for s in all_sections if s.path and "id" in s.model.model_fields]
    not_stated = [s for s in all_sections if "not_stated" in s.model.model_fields]
    return INTRODUCTION.format(
        regenerate=REGENERATE,
        not_stated_sections=", ".join(_links(not_stated)),
        id_sections=", ".join(_links(with_ids)),
        id_pattern=slug.pattern,
        id_max=slug.max_length,
        contents="\n".join(f"- {link}" for link in _links(all_sections)),
    )


def _links(linked: list[Section]) -> list[str]:
    return [f"[{s.title}](#{s.anchor})" for s in linked]


def _section_markdown(section: Section) -> str:
    parts = [f"## {section.title}", ""]
    about = _doc(section.model)
    if about:
        parts += [about, ""]
    parts += [*_table(section), ""]
    example = EXAMPLES.get(section.path) if section.is_top_level else None
    if example is not None:
        parts += [f"Example, from `{example.source}`:", "", "```yaml", example.text.rstrip(), "```"]
        parts.append("")
    return "\n".join(parts)


def _table(section: Section) -> list[str]:
    rows = [
        "| key | type | required or default | description |",
        "|---|---|---|---|",
    ]
    for key, field in _fields(section.model):
        cells = (f"`{key}`", _type_cell(section, key, field), _default_cell(field), _about(field))
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return rows


def _type_cell(section: Section, key: str, field: FieldInfo) -> str:
    words = _words(_full_annotation(field), key).one
    nested = _nested(field.annotation)
    if nested is None:
        return words
    child = Section(_child_path(section.path, key, nested.many), nested.model)
    return f"{words}, see [{child.title}](#{child.anchor})"


def _default_cell(field: FieldInfo) -> str:
    """'required', 'optional' (absent means none) or the value a missing key takes."""
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True, validated_data={})
    if value is None:
        return "optional"
    if isinstance(value, BaseModel):
        return "optional; every key takes its default"
    return f"default `{_yaml(value)}`"


def _about(field: FieldInfo) -> str:
    """The field's description; failing that, what its own type's docstring says."""
    if field.description:
        return " ".join(field.description.split())
    nested = _nested(field.annotation)
    if nested is not None:
        return _doc(nested.model)
    annotation = field.annotation
    return _doc(annotation) if isinstance(annotation, type) and issubclass(annotation, Enum) else ""


def _doc(obj: type) -> str:
    """The first paragraph of a class's own docstring (not one inherited from a base)."""
    doc = obj.__dict__.get("__doc__")
    if not doc:
        return ""
    return " ".join(inspect.cleandoc(doc).split("\n\n")[0].split())


def _yaml(value: Any) -> str:
    """A value as it is written in the policy file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list):
        return "[" + ", ".join(_yaml(v) for v in value) + "]"
    return str(value)


def _cell(text: str) -> str:
    """A table cell: a bare '|' would end it early, even inside backticks."""
    return text.replace("|", "\\|")


def _anchor(title: str) -> str:
    """The fragment GitHub gives a heading, so links within the document resolve."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


def main() -> None:
    sys.stdout.write(reference_markdown())


if __name__ == "__main__":
    main()
