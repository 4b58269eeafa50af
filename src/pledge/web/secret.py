"""The site's signing secret, kept beside the master key and never in the data directory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def secret_key(key_dir: Path) -> str:
    """Read the secret from ``key_dir``, creating it (mode 0600) on first use."""
    path = key_dir / "secret-key"
    if not path.exists():
        key_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
