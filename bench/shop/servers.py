"""The servers compared, how each is started on the same app, and the throwaway venv they run in.

Every candidate serves pledge's own Django application (``pledge.asgi:application`` or
``pledge.wsgi:application``) from the same data and key directories, over TLS with the same
certificate, as one worker process, with its access log off. ``pledge serve`` itself runs from
the project's ``.venv``; the others run from a separate venv built from ``uv.lock`` plus the
candidate (the project's own environment and lock file are never changed), with ``src/`` on
``PYTHONPATH``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROJECT_PYTHON = REPO / ".venv" / "bin" / "python"
WSGI_THREADS = 4  # threads of the one WSGI worker (gunicorn gthread, granian blocking threads)

# What the throwaway venv gets besides the locked dependencies of the project.
CANDIDATE_PACKAGES = [
    "uvicorn[standard]==0.54.0",
    "granian==2.8.7",
    "hypercorn==0.18.0",
    "gunicorn==27.0.1",
    "daphne==4.2.3",
]
DISTRIBUTIONS = ["uvicorn", "uvloop", "httptools", "granian", "hypercorn", "gunicorn", "daphne"]


@dataclass(frozen=True)
class Paths:
    venv: Path
    policy: Path
    data: Path
    keys: Path

    @property
    def cert(self) -> Path:
        return self.keys / "tls" / "localhost.crt"

    @property
    def key(self) -> Path:
        return self.keys / "tls" / "localhost.key"

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)


@dataclass(frozen=True)
class Candidate:
    name: str
    label: str
    interface: str  # ASGI or WSGI
    argv: Callable[[Paths, int], list[str]]
    in_project_venv: bool = False


def _pledge_serve(p: Paths, port: int) -> list[str]:
    return [
        str(PROJECT_PYTHON), "-m", "pledge.cli", "serve", "--policy", str(p.policy),
        "--port", str(port), "--http-port", str(free_port()),
    ]  # fmt: skip


def _uvicorn(loop: str, http: str) -> Callable[[Paths, int], list[str]]:
    def argv(p: Paths, port: int) -> list[str]:
        # The options of pledge.web.server._config, on the command line.
        return [
            p.bin("uvicorn"), "pledge.asgi:application", "--host", "127.0.0.1",
            "--port", str(port), "--workers", "1", "--loop", loop, "--http", http,
            "--lifespan", "off", "--no-access-log", "--no-server-header", "--no-proxy-headers",
            "--log-level", "warning", "--ssl-certfile", str(p.cert), "--ssl-keyfile", str(p.key),
        ]  # fmt: skip

    return argv


def _granian(interface: str) -> Callable[[Paths, int], list[str]]:
    def argv(p: Paths, port: int) -> list[str]:
        extra = ["--blocking-threads", str(WSGI_THREADS)] if interface == "wsgi" else []
        return [
            p.bin("granian"), "--interface", interface, "--host", "127.0.0.1",
            "--port", str(port), "--workers", "1", *extra, "--no-access-log",
            "--log-level", "warning", "--ssl-certificate", str(p.cert),
            "--ssl-keyfile", str(p.key), f"pledge.{interface}:application",
        ]  # fmt: skip

    return argv


def _hypercorn(p: Paths, port: int) -> list[str]:
    return [
        p.bin("hypercorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}",
        "--certfile", str(p.cert), "--keyfile", str(p.key), "--log-level", "warning",
        "pledge.asgi:application",
    ]  # fmt: skip


def _gunicorn(p: Paths, port: int) -> list[str]:
    return [
        p.bin("gunicorn"), "--workers", "1", "--worker-class", "gthread",
        "--threads", str(WSGI_THREADS), "--bind", f"127.0.0.1:{port}",
        "--certfile", str(p.cert), "--keyfile", str(p.key), "--log-level", "warning",
        "pledge.wsgi:application",
    ]  # fmt: skip


def _daphne(p: Paths, port: int) -> list[str]:
    endpoint = f"ssl:port={port}:interface=127.0.0.1:privateKey={p.key}:certKey={p.cert}"
    return [p.bin("daphne"), "-e", endpoint, "-v", "0", "pledge.asgi:application"]


BASELINE = "uvicorn"
CANDIDATES = {
    c.name: c
    for c in (
        Candidate("uvicorn", "uvicorn (h11, asyncio: as pledge serve)", "ASGI", _uvicorn("asyncio", "h11")),  # noqa: E501
        Candidate("pledge-serve", "pledge serve (uvicorn h11 + redirect + scheduler)", "ASGI",
                  _pledge_serve, in_project_venv=True),
        Candidate("uvicorn-std", "uvicorn[standard] (httptools, uvloop)", "ASGI", _uvicorn("uvloop", "httptools")),  # noqa: E501
        Candidate("granian-asgi", "granian (ASGI)", "ASGI", _granian("asgi")),
        Candidate("granian-wsgi", f"granian (WSGI, {WSGI_THREADS} threads)", "WSGI", _granian("wsgi")),  # noqa: E501
        Candidate("hypercorn", "hypercorn (asyncio)", "ASGI", _hypercorn),
        Candidate("gunicorn", f"gunicorn (gthread, {WSGI_THREADS} threads)", "WSGI", _gunicorn),
        Candidate("daphne", "daphne (Twisted)", "ASGI", _daphne),
    )
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_env(p: Paths, *, settings: str | None = None, pythonpath: list[Path] | None = None,
             ) -> dict[str, str]:  # fmt: skip
    """The environment an operator's site has: its policy, data and keys, nothing of a test."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "PLEDGE_TESTING", "DJANGO_SETTINGS_MODULE", "PYTHONPATH"}
    }
    env |= {
        "PLEDGE_POLICY": str(p.policy),
        "PLEDGE_DATA_DIR": str(p.data),
        "PLEDGE_KEY_DIR": str(p.keys),
        "DJANGO_SETTINGS_MODULE": settings or "pledge.settings",
    }
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(str(path) for path in pythonpath)
    return env


class Process:
    """A server started in its own process group, so that its workers stop with it."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                argv, env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip

    @property
    def pid(self) -> int:
        return self.popen.pid

    def pids(self) -> list[int]:
        """Every process of the group: a server's supervisor and its workers."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.pid:  # field 5 of stat, the process group
                found.append(int(stat.parent.name))
        return found

    def rss_mib(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                continue
        return total / 1024

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the group's processes (all their threads)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14, 15)
        return total / ticks

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
        # Workers that outlive their supervisor would hold the port and the CPU.
        for pid in self.pids():
            os.kill(pid, signal.SIGKILL)


def _uv() -> list[str]:
    uv = shutil.which("uv")
    return [uv] if uv else ["python3", "-m", "uv"]


def venv_build(venv: Path) -> None:
    """The throwaway venv: uv.lock's runtime dependencies plus every candidate server."""
    if (venv / "bin" / "granian").exists():
        return
    env = os.environ | {"UV_PYTHON_DOWNLOADS": "never"}
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    subprocess.run([*_uv(), "venv", "--python", version, str(venv)], check=True, env=env)
    requirements = venv.parent / f"{venv.name}-requirements.txt"
    subprocess.run(
        [*_uv(), "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes",
         "--quiet", "-o", str(requirements)],
        check=True, cwd=REPO, env=env,
    )  # fmt: skip
    subprocess.run(
        [*_uv(), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
         "-r", str(requirements), *CANDIDATE_PACKAGES],
        check=True, env=env,
    )  # fmt: skip


def versions(venv: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json, ssl\n"
        f"names = {DISTRIBUTIONS!r}\n"
        "print(json.dumps({**{n: m.version(n) for n in names}, 'openssl': ssl.OPENSSL_VERSION}))"
    )
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)
