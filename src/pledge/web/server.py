"""``pledge serve``: the site over HTTPS, and a plain-HTTP port that only redirects.

Both listeners run in one process and one event loop, so one signal stops both. The servers'
own access logs are off: what the site records about requests is decided by the policy, not by
the server's defaults.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path
from typing import Any

import uvicorn

from pledge.web.redirect import RedirectToHttps


class _Listener(uvicorn.Server):
    """A uvicorn server that leaves signal handling to ``serve``, which owns both listeners."""

    def capture_signals(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


def _config(app: Any, host: str, port: int, **tls: Any) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        access_log=False,
        server_header=False,
        proxy_headers=False,
        log_level="warning",
        **tls,
    )


async def _run(listeners: list[_Listener]) -> None:
    from pledge.web.schedule import run_forever

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def shutdown() -> None:
        stop.set()
        for listener in listeners:
            listener.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, shutdown)
    await asyncio.gather(run_forever(stop), *(listener.serve() for listener in listeners))


def serve(
    *, host: str, port: int, http_port: int | None, cert: Path | None, key: Path | None
) -> int:
    import django

    django.setup()
    from django.conf import settings

    from pledge.vault.master import MasterKeyError
    from pledge.web.firstrun import site_prepare
    from pledge.web.tls import localhost_certificate

    if (cert is None) != (key is None):
        print("pledge serve: give both --cert and --key, or neither", file=sys.stderr)
        return 2
    if cert is None or key is None:
        cert, key = localhost_certificate(settings.KEY_DIR / "tls")
    try:
        report = site_prepare()
    except MasterKeyError as exc:
        print(f"pledge serve: {exc}", file=sys.stderr)
        return 1
    # Imported only now: WhiteNoise indexes the static files when the application is built,
    # so it must come after the first run has collected them.
    from pledge.asgi import application

    listeners = [
        _Listener(_config(application, host, port, ssl_certfile=str(cert), ssl_keyfile=str(key)))
    ]
    if http_port:
        redirect = RedirectToHttps(https_port=port, allowed_hosts=settings.ALLOWED_HOSTS)
        listeners.append(_Listener(_config(redirect, host, http_port)))
    shown_host = f"[{host}]" if ":" in host else host
    if shown_host in ("127.0.0.1", "0.0.0.0", "[::]", "[::1]"):  # noqa: S104 - display only
        shown_host = "localhost"
    for line in report:
        print(line)
    print(f"pledge: policy {settings.POLICY.id!r} from {settings.POLICY_PATH}")
    print(f"pledge: serving https://{shown_host}:{port}/ (operator admin at /operator/)")
    if http_port:
        print(f"pledge: http://{shown_host}:{http_port}/ redirects to HTTPS")
    sys.stdout.flush()
    asyncio.run(_run(listeners))
    # Count the access log's last requests now, while threads can still be started (an
    # atexit hook runs too late for the recorder's writer pool).
    from pledge.traffic.recorder import recorder

    recorder().close()
    return 0
