"""Shared fixtures. Servers the tests need (nginx, redis) skip when missing on a laptop;
with RESUME_API_REQUIRE_SERVERS=1 (set by .ci/run) a missing one fails instead."""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("MEMVID_TELEMETRY", "0")

REQUIRE_SERVERS = os.environ.get("RESUME_API_REQUIRE_SERVERS") == "1"


def require_binary(name: str) -> str:
    """Return the path of `name`, or skip (fail in CI) when it is not installed."""
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None
    )
    if path is None:
        message = f"{name} is not installed"
        if REQUIRE_SERVERS:
            pytest.fail(message + " (RESUME_API_REQUIRE_SERVERS=1)")
        pytest.skip(message)
    return path
