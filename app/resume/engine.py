"""memvid-sdk with its telemetry off: every module reaches memvid-sdk through this one.

memvid-sdk sends anonymous usage telemetry unless MEMVID_TELEMETRY is "0". It reads the variable at each call, so setting it here, before any caller can
hold the module, covers every call; ruff's banned-api rule (pyproject.toml) refuses an
import of memvid_sdk anywhere else.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

os.environ["MEMVID_TELEMETRY"] = "0"

import memvid_sdk  # noqa: TID251 (the one allowed import, after the variable)

__all__ = ["card_value", "memvid_sdk"]


def card_value(memory: Any, entity: str, slot: str) -> str | None:
    """Return the value of memory card `entity`/`slot` of an open file, or None when there is none."""
    state = memory.state(entity, slot=slot)
    card = (state.get("slots") or {}).get(slot) if state.get("found") else None
    value = card.get("value") if isinstance(card, Mapping) else None
    return value if isinstance(value, str) else None
