"""Hand-made visit records, so each check can be tested without a browser or a server."""

from __future__ import annotations

import datetime as dt

from pledge.conformance.record import Exchange, Field, Form, Page, Probe, SetCookie, Visit

ORIGIN = "https://shop.test"


def visit(*pages: Page, exchanges: list[Exchange] | None = None, **extra: object) -> Visit:
    record = Visit(url=f"{ORIGIN}/", started_at=dt.datetime(2026, 11, 22, tzinfo=dt.UTC))
    record.pages = list(pages) or [page("/")]
    record.exchanges = (
        exchanges if exchanges is not None else [document(p.url) for p in record.pages]
    )
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def page(
    path: str, *, step: str = "crawl", forms: list[Form] | None = None, **extra: object
) -> Page:
    url = ORIGIN + path
    made = Page(step=step, url=url, requested=url, status=200, forms=forms or [])
    for name, value in extra.items():
        setattr(made, name, value)
    return made


def document(url: str, *, status: int = 200, headers: dict[str, str] | None = None,
             cookies: list[str] = (), **extra: object) -> Exchange:  # fmt: skip
    hsts = {"strict-transport-security": "max-age=31536000; includeSubDomains"}
    exchange = Exchange(
        step="crawl", method="GET", url=url, resource_type="document", navigation=True,
        page=url, status=status, headers=headers if headers is not None else hsts,
        set_cookies=[SetCookie.parse(url, line) for line in cookies],
    )  # fmt: skip
    for name, value in extra.items():
        setattr(exchange, name, value)
    return exchange


def field(name: str, *, type: str = "text", label: str = "", autocomplete: str = "",
          tag: str = "input", value: str = "") -> Field:  # fmt: skip
    return Field(tag, type, name, name, autocomplete, label, False, value)


def form(path: str, action: str, *fields: Field, method: str = "post") -> Form:
    return Form(ORIGIN + path, action, method, tuple(fields))


def probe(path: str, status: int = 301, location: str | None = None, cookies: tuple = ()) -> Probe:
    return Probe(
        f"http://shop.test{path}",
        status,
        location if location is not None else ORIGIN + path,
        cookies,
    )
