"""JSON as RFC 8259 defines it: Python's parser also takes NaN and Infinity, which are not JSON.

Used for what clients send (request bodies, MCP messages) and what an LLM server answers.
"""

from __future__ import annotations

import json
from typing import Any


def strict_json_loads(data: str | bytes, **kwargs: Any) -> Any:
    """Parse `data`; raise ValueError for NaN, Infinity and -Infinity as for any other invalid JSON."""
    return json.loads(data, parse_constant=_refuse_constant, **kwargs)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
