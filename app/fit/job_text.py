"""A job description as prose: its code left out, its hard-wrapped lines joined."""

from __future__ import annotations

import re

_CODE_BLOCK = re.compile(r"```.*?(```|\Z)|`[^`\n]*`", re.DOTALL)
_CODE_LINE = re.compile(
    r"[a-z_]\w*\.\w+\(|\w\([^)]*[=,\"'][^)]*\)|\w\(\)|\)\s*:\s*$|[{}]\s*$|^\s*@\w|\w\s+=\s+\S|=="
    r"|^\s+[a-z]\w*:\s*\S"  # an indented lower-case key: YAML, JSON
)
_WRAPPED = re.compile(r"(?<=[^\W\d_,])\n(?=[^\W\d_])")  # a line break inside a sentence
MIN_WRAPPED_LINE = 60  # hard-wrapped prose: lines about this long, broken between two words


def unwrapped(text: str) -> str:
    """Join the lines of hard-wrapped prose, so a name broken over two lines is one ("Google Analytics")."""
    lines = text.split("\n")
    joined = [lines[0]]
    for line in lines[1:]:
        wrapped = len(joined[-1]) >= MIN_WRAPPED_LINE and _WRAPPED.search(joined[-1][-1:] + "\n" + line[:1])
        joined[-1:] = [f"{joined[-1]} {line}"] if wrapped else [joined[-1], line]
    return "\n".join(joined)


def without_code(text: str) -> str:
    """The text without its code: fenced or back-ticked, and lines that call or assign."""
    text = _CODE_BLOCK.sub(" ", text)
    return "\n".join(line for line in text.splitlines() if not _CODE_LINE.search(line))
