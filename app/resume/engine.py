"""memvid-sdk, imported in one place so that its telemetry is always off."""

from __future__ import annotations

import os

# memvid-sdk sends anonymous usage telemetry unless this is "0" (PITFALLS, memvid).
os.environ["MEMVID_TELEMETRY"] = "0"

import memvid_sdk  # must follow the environment variable above

__all__ = ["memvid_sdk"]
