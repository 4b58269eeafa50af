"""The policy file's shape: what a business promises, as data.

Structure and types live here (pydantic); rules that relate one part of the file to another
(a category naming an undeclared purpose, a minimum longer than its maximum) live in
``pledge.policy.rules`` so that each can report the exact place in the file it concerns.

Ids follow fideslang style (``user.contact.email``) where one fits.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import difflib
import functools
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)

from pledge.policy.calendar import Duration, FiscalYearEnd

SLUG_PATTERN = r"^[a-z][a-z0-9_.-]*$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
COUNTRY_PATTERN = r"^[A-Z]{2}$"
COOKIE_NAME_PATTERN = r"^[A-Za-z0-9_-]+$"

PATTERN_MEANINGS: dict[str, str] = {
    SLUG_PATTERN: "an id of lowercase letters, digits, '_', '.' or '-', starting with a letter",
    EMAIL_PATTERN: "an email address such as 'privacy@example.org'",
    COUNTRY_PATTERN: "a two-letter country code in capitals, such as 'JP' or 'GB'",
    COOKIE_NAME_PATTERN: "a cookie name of letters, digits, '_' or '-'",
}
"""What each pattern asks for, in words: error messages say this instead of the regex."""

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
Email = Annotated[str, StringConstraints(pattern=EMAIL_PATTERN, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


def _yaml_value(value: object) -> str:
    """A value as the policy file would show it: 'text', 5, true, an empty value."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value) if isinstance(value, str) else str(value)


class Strict(BaseModel):
    """Every section refuses keys it does not know, so a typo is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class NotStated(Strict):
    """A mixin for promises the original notice did not make.

    Where a seed notice is silent or out of date the policy chooses a lawful default and says so
    here; the rendered notice repeats the reason, so the reader knows the point is new.
    """

    not_stated: Text | None = Field(
        default=None,
        description="Why this value was chosen although the original notice did not state it.",
    )


# --- who and where -------------------------------------------------------------------------


class Controller(NotStated):
    name: Text = Field(description="The business as the public knows it.")
    legal_name: Text | None = None
    address: Text | None = Field(default=None, description="Postal address for written requests.")
    email: Email = Field(description="The one address for privacy enquiries and requests.")
    website: Text | None = None
    own_addresses: list[Email] = Field(
        default_factory=list,
        description="The operator's own mail addresses, left out when linking mail to subjects.",
    )


class Law(NotStated):
    jurisdiction: Annotated[str, StringConstraints(pattern=COUNTRY_PATTERN)] = Field(
        description="ISO 3166-1 alpha-2 code of the controller's country."
    )
    frameworks: list[Text] = Field(min_length=1, description="The laws the policy is kept under.")
    original_reference: Text | None = Field(
        default=None, description="The law the original notice named, where it has been replaced."
    )
    regulator: Text | None = None


class HttpsMode(StrEnum):
    REQUIRED = "required"
    ENCOURAGED = "encouraged"


class Transport(Strict):
    https: HttpsMode = Field(
        default=HttpsMode.REQUIRED,
        description="'required': every page over HTTPS. 'encouraged': HTTPS served and advised.",
    )
    http_redirect: bool = Field(default=True, description="Plain HTTP only redirects to HTTPS.")
    hsts: Duration = Field(default=Duration.parse("1y"), description="Strict-Transport-Security.")


# --- cookies ---------------------------------------------------------------------------------


class CookieAudience(StrEnum):
    VISITORS = "visitors"
    OPERATORS = "operators"


class Party(StrEnum):
    FIRST = "first"
    THIRD = "third"


BROWSER_SESSION = "browser-session"


def _lifetime(value: object) -> str | Duration:
    if value == BROWSER_SESSION or isinstance(value, Duration):
        return value
    try:
        return Duration.parse(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValueError(
            "a cookie lifetime is 'browser-session' or a duration such as '14d', "
            f"not {_yaml_value(value)}"
        ) from None


CookieLifetime = Annotated[
    str | Duration,
    PlainValidator(_lifetime),
    PlainSerializer(str),
    WithJsonSchema(
        {
            "type": "string",
            "examples": [BROWSER_SESSION, "14d"],
            "description": "'browser-session' or a duration such as '14d'",
        }
    ),
]


class Cookie(Strict):
    name: Annotated[str, StringConstraints(pattern=COOKIE_NAME_PATTERN)]
    purpose: Slug = Field(description="A purpose id declared under 'purposes'.")
    lifetime: CookieLifetime = Field(
        description="'browser-session' (no Expires or Max-Age) or a duration such as '14d'."
    )
    party: Party = Party.FIRST
    audience: CookieAudience = Field(
        default=CookieAudience.VISITORS,
        description="'operators' for cookies only the operator admin sets.",
    )
    http_only: bool = True
    secure: bool = True
    same_site: Literal["Strict", "Lax", "None"] = "Lax"
    description: Text


# --- purposes, categories, retention ----------------------------------------------------------


class LegalBasis(StrEnum):
    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal-obligation"
    VITAL_INTERESTS = "vital-interests"
    PUBLIC_TASK = "public-task"
    LEGITIMATE_INTERESTS = "legitimate-interests"


class ConsentMode(StrEnum):
    NONE = "none"
    OPT_IN = "opt-in"


class Purpose(NotStated):
    id: Slug
    description: Text
    legal_basis: LegalBasis
    consent: ConsentMode = ConsentMode.NONE
    marketing: bool = Field(default=False, description="Sending information about products.")
    withdraw: Text | None = Field(default=None, description="How a person withdraws consent.")


class SubjectKind(StrEnum):
    CUSTOMER = "customer"
    VISITOR = "visitor"
    CORRESPONDENT = "correspondent"
    OPERATOR = "operator"


class Anchor(StrEnum):
    """The event a retention period counts from."""

    COLLECTED = "collected"
    LAST_ACTIVITY = "last-activity"
    ACCOUNT_CLOSED = "account-closed"
    ORDER_COMPLETED = "order-completed"
    CONSENT_WITHDRAWN = "consent-withdrawn"


class Schedule(Strict):
    """When due data is actually deleted: at once, or after the next fiscal-year end."""

    after_fiscal_year_end: FiscalYearEnd | None = Field(
        default=None, description="'MM-DD': due data goes after the first such date, plus grace."
    )
    grace: Duration = Field(
        default=Duration.parse("0d"), description="How long after that date deletion may take."
    )

    @field_validator("after_fiscal_year_end", mode="before")
    @classmethod
    def _real_day(cls, value: object) -> object:
        """Say which part of an 'MM-DD' is wrong; other shapes are left to ``FiscalYearEnd``."""
        text = value.strip() if isinstance(value, str) else ""
        if len(text) != 5 or text[2] != "-" or not (text[:2] + text[3:]).isdigit():
            return value
        month, day = int(text[:2]), int(text[3:])
        if not 1 <= month <= 12:
            raise ValueError(
                f"{text!r} is not a fiscal-year end: there is no month {month} "
                "(write 'MM-DD', e.g. '03-31')"
            )
        if (month, day) == (2, 29):
            raise ValueError(
                "'02-29' is not allowed: a fiscal year cannot end on a day most years lack "
                "(use '02-28')"
            )
        last = _cal.monthrange(2001, month)[1]
        if not 1 <= day <= last:
            raise ValueError(
                f"{text!r} is not a fiscal-year end: {_cal.month_name[month]} has days 01 to {last}"
            )
        return value


class Retention(NotStated):
    anchor: Anchor
    minimum: Duration = Field(
        default=Duration.parse("0d"),
        description="Kept at least this long (a legal duty): erasure is refused before.",
    )
    maximum: Duration | None = Field(
        default=None, description="Deleted once this has passed (subject to the schedule)."
    )
    on_request: bool = Field(
        default=False,
        description="After the minimum, kept until the person asks in writing for deletion.",
    )
    schedule: Schedule = Field(default_factory=Schedule)
    erasable_on_request: bool = Field(
        default=True,
        description="False where a legal duty keeps the records whatever the person asks.",
    )
    reason: Text | None = Field(default=None, description="Why the period is what it is.")


class Category(Strict):
    id: Slug = Field(description="fideslang-style id, e.g. 'user.contact.email'.")
    name: Text
    fields: list[Text] = Field(min_length=1, description="What is held, in plain words.")
    subject: SubjectKind
    sources: list[Text] = Field(min_length=1, description="Where the data comes from.")
    purposes: list[Slug] = Field(min_length=1)
    retention: Retention
    kinds: list[Slug] = Field(
        default_factory=list, description="Ids from 'personal_data_kinds' this category holds."
    )
    encrypted: bool = Field(default=True, description="Held only through the vault.")


class PersonalDataKind(Strict):
    """One kind of personal data as the law defines it (the ALPS list, AL2)."""

    id: Slug
    label: Text


# --- recipients and sharing ------------------------------------------------------------------


class RecipientKind(StrEnum):
    PROCESSOR = "processor"
    LAW_ENFORCEMENT = "law-enforcement"
    OTHER = "other"


class Recipient(NotStated):
    id: Slug
    name: Text
    kind: RecipientKind
    categories: list[Slug] = Field(default_factory=list, description="What it may receive.")
    condition: Text = Field(description="When data goes to it, in words for the notice.")


class Sharing(Strict):
    third_parties: Literal["none", "declared"] = Field(
        description="'none': the notice promises no third party ever receives data."
    )
    statement: Text


# --- features ----------------------------------------------------------------------------------


class Analytics(Strict):
    mode: Literal["aggregate-only", "none"] = "aggregate-only"
    min_group_size: int = Field(default=5, ge=2, le=1000)
    unique_salt_lifetime: Duration = Field(default=Duration.parse("48h"))
    statement: Text


class WebLogs(Strict):
    keep: bool = Field(description="Whether raw web server log lines are kept at all.")
    category: Slug | None = Field(default=None, description="The category raw lines belong to.")


class Passwords(Strict):
    hasher: Literal["argon2id"] = "argon2id"
    legacy: list[Literal["sha512-unsalted"]] = Field(default_factory=list)
    statement: Text


class Cards(Strict):
    store: Literal[False] = Field(default=False, description="pledge never stores card data.")
    statement: Text


class Payments(NotStated):
    methods: list[Literal["bank-transfer", "paypal", "hosted-card-page"]] = Field(min_length=1)
    statement: Text


class Accounts(Strict):
    registration: bool = Field(description="Visitors can create an account on the site.")
    session_idle: Duration = Field(
        default=Duration.parse("2h"), description="Server-side session purged after this idle."
    )
    contact_form: bool = Field(default=False, description="The site has an enquiry form.")


class Rights(Strict):
    response_time: Duration = Field(default=Duration.parse("1m"))
    how: Text = Field(description="How a person asks, in words for the notice.")
    in_writing_only: bool = Field(default=False, description="Requests arrive by letter or mail.")


class Security(Strict):
    statements: list[Text] = Field(min_length=1)


@functools.cache
def _zone_names() -> list[str]:
    from zoneinfo import available_timezones

    return sorted(available_timezones())


class Policy(Strict):
    """One business's privacy policy: the single source of the site, the data and the notice."""

    schema_version: Literal[1] = 1
    id: Slug
    title: Text
    effective: dt.date
    original: Text | None = Field(
        default=None, description="Where the prose notice this policy keeps came from."
    )
    summary: Text
    controller: Controller
    law: Law
    time_zone: Text = Field(description="IANA zone of the controller, e.g. 'Asia/Tokyo'.")
    sweep_hour: int = Field(ge=0, le=23, description="Local hour of the daily retention sweep.")
    erasure_window: Duration = Field(
        default=Duration.parse("30d"), description="How often the master key is replaced."
    )
    transport: Transport = Field(default_factory=Transport)
    cookies: list[Cookie] = Field(default_factory=list)
    cookie_statement: Text
    purposes: list[Purpose] = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    personal_data_kinds: list[PersonalDataKind] = Field(default_factory=list)
    recipients: list[Recipient] = Field(default_factory=list)
    sharing: Sharing
    analytics: Analytics
    web_logs: WebLogs
    accounts: Accounts
    passwords: Passwords
    cards: Cards
    payments: Payments
    rights: Rights
    security: Security

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
        else:
            return value
        close = difflib.get_close_matches(value, _zone_names(), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(
            f"unknown time zone {value!r}{hint} (expected: an IANA name such as 'Asia/Tokyo' "
            "or 'Europe/London')"
        )

    # Lookups used across the project; small and obvious, so they live with the data.

    def purpose(self, purpose_id: str) -> Purpose | None:
        return next((p for p in self.purposes if p.id == purpose_id), None)

    def category(self, category_id: str) -> Category | None:
        """A category of this policy, or one pledge itself always has (staff accounts)."""
        from pledge.policy.internal import INTERNAL_CATEGORIES

        found = (c for c in (*self.categories, *INTERNAL_CATEGORIES) if c.id == category_id)
        return next(found, None)

    @property
    def has_marketing(self) -> bool:
        return any(p.marketing for p in self.purposes)

    def visitor_cookies(self) -> list[Cookie]:
        return [c for c in self.cookies if c.audience is CookieAudience.VISITORS]
