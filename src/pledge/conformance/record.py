"""The record of a visit: every request, response, cookie, redirect, page and form.

Checks read only this record, never the browser, so a report can always show exactly what its
verdicts rest on, and the checks can be tested on hand-made records. Cookie values and form
input are left out: the record proves what the site did, and holds nothing a visitor typed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit


def origin_of(url: str) -> str:
    """Scheme, host and port, as browsers compare origins (default ports made explicit)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"https": 443, "http": 80}.get(scheme)
    host = (parts.hostname or "").lower()
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


def same_origin(a: str, b: str) -> bool:
    return origin_of(a) == origin_of(b)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass(frozen=True, slots=True)
class SetCookie:
    """One Set-Cookie header line: the name and the attributes, never the value."""

    url: str
    name: str
    attributes: dict[str, str]  # lower-case attribute name -> value ("" for a flag)
    written: tuple[str, ...] = ()  # the attributes as the header wrote them

    @classmethod
    def parse(cls, url: str, line: str) -> SetCookie:
        first, *rest = [part.strip() for part in line.split(";")]
        name = first.split("=", 1)[0].strip()
        attributes: dict[str, str] = {}
        for part in rest:
            if not part:
                continue
            key, _, value = part.partition("=")
            attributes[key.strip().lower()] = value.strip()
        return cls(url, name, attributes, tuple(part for part in rest if part))

    @property
    def deletes(self) -> bool:
        """Telling the browser to forget the cookie: always allowed."""
        if self.attributes.get("max-age", "").strip() in {"0", "-1"}:
            return True
        expires = self.attributes.get("expires", "")
        return "1970" in expires

    @property
    def persistent(self) -> bool:
        return "expires" in self.attributes or "max-age" in self.attributes

    def shown(self) -> str:
        """The header as evidence: name and attributes, the value replaced by '…'."""
        attrs = "; ".join(self.written)
        return f"{self.name}=…" + (f"; {attrs}" if attrs else "")


@dataclass(slots=True)
class Exchange:
    """One request the browser made and what came back (or why nothing did)."""

    step: str
    method: str
    url: str
    resource_type: str
    navigation: bool  # a document request of the top-level page
    page: str  # the page that made the request (the frame's URL at the time)
    redirected_from: str | None = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case; set-cookie left out
    set_cookies: list[SetCookie] = field(default_factory=list)
    failure: str | None = None

    @property
    def location(self) -> str | None:
        return self.headers.get("location")

    @property
    def is_redirect(self) -> bool:
        return self.status is not None and 300 <= self.status < 400

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["set_cookies"] = [c.shown() for c in self.set_cookies]
        return data


@dataclass(frozen=True, slots=True)
class Field:
    """A form control as a visitor sees it: what it is called, and what it is labelled."""

    tag: str
    type: str
    name: str
    id: str
    autocomplete: str
    label: str
    checked: bool = False
    value: str = ""  # only for choices (radio, checkbox, option): never what was typed


@dataclass(frozen=True, slots=True)
class Form:
    page: str
    action: str  # resolved to an absolute URL, as the browser would submit it
    method: str
    fields: tuple[Field, ...]
    other_actions: tuple[str, ...] = ()  # formaction of its buttons, resolved likewise


@dataclass(slots=True)
class Page:
    """A page the visit loaded in the top-level frame."""

    step: str
    url: str  # where the browser ended up, after redirects
    requested: str
    status: int | None
    title: str = ""
    links: list[str] = field(default_factory=list)  # absolute hrefs, in page order
    forms: list[Form] = field(default_factory=list)
    loose_fields: list[Field] = field(default_factory=list)  # inputs outside any form
    scripts: int = 0  # <script> elements in the document
    body: str | None = None  # raw HTML, kept only where a check needs the exact bytes


@dataclass(frozen=True, slots=True)
class Probe:
    """One plain-HTTP request, made without a browser so nothing is followed or upgraded."""

    url: str
    status: int | None
    location: str | None
    set_cookies: tuple[str, ...] = ()
    body_bytes: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the synthetic customer's journey."""

    name: str
    ok: bool
    detail: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class JarCookie:
    """A cookie in the browser's jar at the end of the visit (value left out)."""

    name: str
    domain: str
    path: str
    expires: float  # -1: a browser-session cookie
    secure: bool
    http_only: bool
    same_site: str


@dataclass(slots=True)
class Visit:
    """Everything the browser did on the site, in order."""

    url: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    exchanges: list[Exchange] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    journey: list[Step] = field(default_factory=list)
    jar: list[JarCookie] = field(default_factory=list)
    http_base: str | None = None  # where plain HTTP was probed, if known
    client_addresses: list[str] = field(default_factory=list)  # as the server sees this visit
    journey_facts: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # what stopped the visit short, if any
    skipped: list[str] = field(default_factory=list)  # links not followed, and why

    @property
    def origin(self) -> str:
        """For comparing: scheme, host and port, the port made explicit."""
        return origin_of(self.url)

    @property
    def base(self) -> str:
        """For showing and building addresses: scheme and host as the site was given."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def page_at(self, path: str) -> Page | None:
        """The first page the crawl loaded at ``path`` (without query)."""
        for page in self.pages:
            if urlsplit(page.url).path == path and same_origin(page.url, self.url):
                return page
        return None

    def all_forms(self) -> list[Form]:
        return [form for page in self.pages for form in page.forms]

    def as_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "http_base": self.http_base,
            "client_addresses": self.client_addresses,
            "problems": self.problems,
            "skipped": self.skipped,
            "pages": [
                {
                    "step": p.step,
                    "url": p.url,
                    "requested": p.requested,
                    "status": p.status,
                    "title": p.title,
                    "links": p.links,
                    "forms": [asdict(f) for f in p.forms],
                    "loose_fields": [asdict(f) for f in p.loose_fields],
                    "scripts": p.scripts,
                }
                for p in self.pages
            ],
            "exchanges": [e.as_dict() for e in self.exchanges],
            "probes": [asdict(p) for p in self.probes],
            "journey": [asdict(s) for s in self.journey],
            "journey_facts": self.journey_facts,
            "jar": [asdict(c) for c in self.jar],
        }
