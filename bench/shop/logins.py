"""What one sign-in costs: the password hashers alone, and a real sign-in POST over HTTPS.

Three kinds are compared, interleaved in every round so that the machine's load falls on all
of them alike:

- ``argon2id``: Django's ``Argon2PasswordHasher`` at its parameters, first in pledge's
  ``PASSWORD_HASHERS``;
- ``pbkdf2``: Django's default, ``PBKDF2PasswordHasher`` (the peer of every ratio);
- ``legacy``: ``pledge.accounts.hashers.LegacySHA512Argon2Hasher``, Argon2id over the SHA-512
  digest of an imported customer's password. Through the server this is a customer's first
  sign-in after the import, which also rehashes the password to plain Argon2id and saves it.
"""

from __future__ import annotations

import csv
import hashlib
import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from loadgen import Client
from servers import PROJECT_PYTHON, Process

PASSWORD = "kiwi-lantern-5821"
SIGN_IN = "/account/sign-in/"
KINDS = ("argon2id", "pbkdf2", "legacy")


def summary(values: list[float]) -> dict[str, float]:
    """Median and p95 (linear interpolation between ranks), in milliseconds."""
    ms = sorted(v * 1000 for v in values)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return {"n": len(ms), "median_ms": statistics.median(ms), "p95_ms": p95}


def _timed(call: Callable[[], object]) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def hashers_measure(runs: int) -> dict[str, object]:
    """Hash then verify, in this process; CPU time counts every thread (Argon2 uses lanes)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher

    hashers = {
        "argon2id": get_hasher("argon2"),
        "pbkdf2": PBKDF2PasswordHasher(),
        "legacy": get_hasher("argon2_sha512"),
    }
    argon2 = hashers["argon2id"]
    params = {
        "argon2id": f"m={argon2.memory_cost} KiB, t={argon2.time_cost}, p={argon2.parallelism}",
        "pbkdf2": f"SHA-256, {hashers['pbkdf2'].iterations:,} iterations",
        "legacy": "SHA-512, then Argon2id as above",
    }
    samples: dict[str, dict[str, list[float]]] = {
        kind: {"hash_wall": [], "hash_cpu": [], "verify_wall": [], "verify_cpu": []}
        for kind in KINDS
    }
    for round_ in range(runs + 1):  # round 0 warms up and is not kept
        for kind in KINDS[round_ % 3 :] + KINDS[: round_ % 3]:
            hasher = hashers[kind]
            salt = hasher.salt()
            hash_wall, hash_cpu, encoded = _timed(lambda h=hasher, s=salt: h.encode(PASSWORD, s))
            verify_wall, verify_cpu, ok = _timed(lambda h=hasher, e=encoded: h.verify(PASSWORD, e))
            if not ok or hasher.verify("wrong password", encoded):
                raise AssertionError(f"{kind}: verification does not work")
            if round_ == 0:
                continue
            kept = samples[kind]
            kept["hash_wall"].append(hash_wall)
            kept["hash_cpu"].append(hash_cpu)
            kept["verify_wall"].append(verify_wall)
            kept["verify_cpu"].append(verify_cpu)
    result: dict[str, object] = {}
    for kind, kept in samples.items():
        both_wall = [h + v for h, v in zip(kept["hash_wall"], kept["verify_wall"], strict=True)]
        both_cpu = [h + v for h, v in zip(kept["hash_cpu"], kept["verify_cpu"], strict=True)]
        result[kind] = {
            "params": params[kind],
            "hash_verify_wall": summary(both_wall),
            "hash_verify_cpu": summary(both_cpu),
            "verify_wall": summary(kept["verify_wall"]),
            "verify_cpu": summary(kept["verify_cpu"]),
        }
    return result


# --- sign-ins through the server ------------------------------------------------------------


def _pledge(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(PROJECT_PYTHON), "-m", "pledge.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pledge {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def customer_create(env: dict[str, str], email: str) -> str:
    """A registered, activated customer, made by pledge's own services; returns the hasher."""
    code = f"""
from django.conf import settings
from pledge.accounts.services import account_activate, customer_register
from pledge.notices.selectors import notice_current
result = customer_register(
    name="Bench Customer", email={email!r}, postal_address="1 Bench Street, London",
    phone="020 7000 0000", password={PASSWORD!r}, marketing=False,
    notice=notice_current(policy=settings.POLICY),
)
account_activate(user=result.user)
print("hasher:", result.user.password.split("$", 1)[0])
"""
    out = _pledge(env, "shell", "-c", code)
    return out.rsplit("hasher:", 1)[1].strip()


def legacy_import(env: dict[str, str], folder: Path, count: int) -> list[str]:
    """``count`` customers of the former shop, imported with their SHA-512 digests."""
    digest = hashlib.sha512(PASSWORD.encode()).hexdigest()
    emails = [f"legacy-{i}@example.org" for i in range(count)]
    path = folder / "legacy.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["email", "name", "postal_address", "sha512"])
        for i, email in enumerate(emails):
            writer.writerow([email, f"Legacy Customer {i}", "2 Bench Street, London", digest])
    out = _pledge(env, "accounts", "import-legacy", str(path))
    if f"{count} customers imported" not in out:
        raise RuntimeError(f"legacy import: {out}")
    return emails


@dataclass
class Target:
    """Where one kind of sign-in is sent: a site's port and process, and who signs in."""

    port: int
    cafile: Path
    process: Process
    emails: list[str]

    def email(self, round_: int) -> str:
        return self.emails[round_ % len(self.emails)]


def sign_in_once(target: Target, email: str) -> tuple[float, float]:
    """One sign-in POST on a kept-alive connection: wall time, and the server's CPU time.

    The form is fetched first (it puts the CSRF token in the session), so neither the TLS
    handshake nor that page is timed.
    """
    client = Client(target.port, target.cafile)
    try:
        token = client.get(SIGN_IN).csrf()
        form = {"csrfmiddlewaretoken": token, "email": email, "password": PASSWORD, "next": ""}
        cpu = target.process.cpu_seconds()
        wall = time.perf_counter()
        answer = client.post(SIGN_IN, form)
        wall = time.perf_counter() - wall
        cpu = target.process.cpu_seconds() - cpu
    finally:
        client.close()
    if answer.status != 302 or answer.headers.get("Location") != "/account/":
        raise AssertionError(f"sign-in answered {answer.status} {answer.headers.get('Location')}")
    return wall, cpu


def sign_ins_measure(targets: dict[str, Target], runs: int) -> dict[str, object]:
    """``runs`` sign-ins of each kind, interleaved; one warm-up sign-in each, not kept."""
    walls: dict[str, list[float]] = {kind: [] for kind in targets}
    cpus: dict[str, list[float]] = {kind: [] for kind in targets}
    kinds = list(targets)
    for kind in kinds:
        if kind != "legacy":  # each imported customer's first sign-in happens only once
            sign_in_once(targets[kind], targets[kind].email(0))
    for round_ in range(runs):
        for kind in kinds[round_ % len(kinds) :] + kinds[: round_ % len(kinds)]:
            wall, cpu = sign_in_once(targets[kind], targets[kind].email(round_))
            walls[kind].append(wall)
            cpus[kind].append(cpu)
    return {
        kind: {"wall": summary(walls[kind]), "server_cpu": summary(cpus[kind])} for kind in targets
    }
