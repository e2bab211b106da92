"""The candidate profile stored in memvid as the `__profile__` card, read leniently."""

from __future__ import annotations

import json

import structlog
from pydantic import ValidationError

from app.models import Profile

log = structlog.get_logger(__name__)


def parse_profile(raw: str) -> Profile | None:
    """Parse the stored profile JSON; None (logged) when it is not a usable profile."""
    try:
        data = json.loads(raw)
        return Profile.model_validate(data)
    except (ValueError, ValidationError) as error:
        log.error("profile.invalid", error=type(error).__name__)
        return None
