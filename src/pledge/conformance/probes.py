"""Plain-HTTP requests for the redirect check, made without a browser.

A browser would follow the redirect, or upgrade the request itself once it has seen HSTS, and
the record would no longer show what the plain-HTTP port answers. ``http.client`` asks exactly
once and follows nothing, so the status, the ``Location`` and any ``Set-Cookie`` are the
server's own answer.
"""

from __future__ import annotations

import http.client
import socket
from urllib.parse import urlsplit

from pledge.conformance.record import Probe

TIMEOUT_SECONDS = 10


def http_base_for(url: str, http_port: int | None) -> str | None:
    """Where the plain-HTTP listener of the site at ``url`` should be, if it can be known.

    ``--http-port`` says; otherwise the usual pairs (443 with 80, and ``pledge serve``'s
    defaults 8443 with 8080). Any other port leaves it unknown rather than guessed.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    shown = f"[{host}]" if ":" in host else host
    port = parts.port or 443
    if http_port is None:
        http_port = {443: 80, 8443: 8080}.get(port)
    if http_port is None:
        return None
    return f"http://{shown}" + ("" if http_port == 80 else f":{http_port}")


def client_addresses(url: str) -> list[str]:
    """The addresses the site sees this machine's requests come from (one per route to it).

    Found by connecting as the browser does and asking the socket which local address it
    used; without a proxy in between, that is the address the server records, if it does.
    """
    parts = urlsplit(url)
    found: dict[str, None] = {}
    try:
        routes = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError:
        return []
    for family, kind, proto, _, address in routes:
        with socket.socket(family, kind, proto) as sock:
            sock.settimeout(TIMEOUT_SECONDS)
            try:
                sock.connect(address)
            except OSError:
                continue
            found[sock.getsockname()[0]] = None
    return list(found)


def probe(http_base: str, path: str) -> Probe:
    parts = urlsplit(http_base)
    url = http_base.rstrip("/") + path
    host = parts.hostname or ""
    connection = http.client.HTTPConnection(host, parts.port or 80, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("GET", path, headers={"Host": parts.netloc})
        response = connection.getresponse()
        body = response.read()
        return Probe(
            url=url,
            status=response.status,
            location=response.getheader("Location"),
            set_cookies=tuple(response.headers.get_all("Set-Cookie") or ()),
            body_bytes=len(body),
        )
    except OSError as exc:
        return Probe(url=url, status=None, location=None, error=f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
