"""JSON as RFC 8259 defines it: Python's parser also takes NaN and Infinity, which are not JSON,
and strings with an unpaired surrogate escape ("\\ud800"), which are no Unicode text: echoed
back, or sent on to the LLM, they cannot be encoded as UTF-8 (a 500 before this check).

Used for what clients send (request bodies, MCP messages) and what an LLM server answers.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

# Any escape of a surrogate; only then is the parsed value checked for an unpaired one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def strict_json_loads(data: str | bytes, **kwargs: Any) -> Any:
    """Parse `data`; raise ValueError for NaN, Infinity, -Infinity and unpaired surrogates as for
    any other invalid JSON."""
    value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float, **kwargs)
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _SURROGATE_ESCAPE.search(raw):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("an unpaired surrogate is not text") from None
    return value


def _finite_float(text: str) -> float:
    # 1e999999 is a JSON number beyond any double: Python reads it as inf, an Infinity by
    # another spelling (RFC 8259 lets a parser limit the range of numbers).
    value = float(text)
    if math.isinf(value):
        raise ValueError("a number out of range is not accepted")
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
