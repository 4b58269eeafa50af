"""Everything a browser context asks for and is told to keep, recorded for assertions."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, ConsoleMessage, Request, Response


@dataclass(frozen=True)
class SetCookie:
    url: str
    name: str
    attributes: dict[str, str]  # lower-case attribute name -> value ("" for flags)

    @property
    def deletes(self) -> bool:
        return self.attributes.get("max-age") == "0" or "1970" in self.attributes.get("expires", "")

    @property
    def persistent(self) -> bool:
        return "expires" in self.attributes or "max-age" in self.attributes


def parse_set_cookie(url: str, header: str) -> SetCookie:
    first, *rest = [part.strip() for part in header.split(";")]
    name = first.split("=", 1)[0].strip()
    attributes = {}
    for part in rest:
        key, _, value = part.partition("=")
        attributes[key.strip().lower()] = value.strip()
    return SetCookie(url, name, attributes)


@dataclass
class Traffic:
    requests: list[Request] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    @classmethod
    def watch(cls, context: BrowserContext) -> Traffic:
        traffic = cls()
        context.on("request", traffic._request)
        context.on("response", traffic._response)
        context.on("console", traffic._console)
        return traffic

    # Playwright wants real functions as handlers, not bound built-ins such as list.append.
    def _request(self, request: Request) -> None:
        self.requests.append(request)

    def _response(self, response: Response) -> None:
        self.responses.append(response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def urls(self) -> list[str]:
        return [request.url for request in self.requests]

    def elsewhere(self, origin: str) -> list[str]:
        """Requests to anywhere but ``origin`` (scheme, host and port all count)."""
        own = urlsplit(origin)
        return [
            url
            for url in self.urls()
            if (urlsplit(url).scheme, urlsplit(url).netloc) != (own.scheme, own.netloc)
        ]

    def set_cookies(self) -> list[SetCookie]:
        found = []
        for response in self.responses:
            for header in response.headers_array():
                if header["name"].lower() == "set-cookie":
                    for line in header["value"].split("\n"):
                        found.append(parse_set_cookie(response.url, line))
        return found
