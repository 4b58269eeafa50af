"""The plain-HTTP listener: every request is answered with a redirect to HTTPS, nothing else.

It never reaches Django, sets no cookie and reads no body, so nothing personal can be entered
over an unencrypted connection (JC3).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from django.http.request import split_domain_port, validate_host

Scope = dict[str, Any]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class RedirectToHttps:
    def __init__(self, *, https_port: int, allowed_hosts: Sequence[str]):
        self.https_port = https_port
        self.allowed_hosts = list(allowed_hosts)

    def location(self, host_header: str, raw_path: bytes, query: bytes) -> str | None:
        """Where to send the visitor, or None when the Host is not one of ours."""
        domain, _port = split_domain_port(host_header)
        if not domain or not validate_host(domain, self.allowed_hosts):
            return None
        shown = f"[{domain}]" if ":" in domain else domain
        port = "" if self.https_port == 443 else f":{self.https_port}"
        path = raw_path.decode("latin-1") or "/"
        return f"https://{shown}{port}{path}" + (f"?{query.decode('latin-1')}" if query else "")

    async def __call__(self, scope: Scope, receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1")
        location = self.location(
            host, scope.get("raw_path") or b"/", scope.get("query_string", b"")
        )
        if location is None:
            body = b"Bad Request: unknown host\n"
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 301,
                "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})
