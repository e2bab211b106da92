"""memvid-sdk with its telemetry off: every module reaches memvid-sdk through this one.

memvid-sdk sends anonymous usage telemetry unless MEMVID_TELEMETRY is "0" (PITFALLS,
memvid). It reads the variable at each call, so setting it here, before any caller can
hold the module, covers every call; ruff's banned-api rule (pyproject.toml) refuses an
import of memvid_sdk anywhere else.
"""

from __future__ import annotations

import os

os.environ["MEMVID_TELEMETRY"] = "0"

import memvid_sdk  # noqa: TID251 (the one allowed import, after the variable)

__all__ = ["memvid_sdk"]
