"""How the cache CLI shows the service's state to a person: times, sizes, scopes, and text
that clients wrote, made safe for a terminal."""

from __future__ import annotations

import datetime
import unicodedata
from typing import Any

# A question or a feedback comment is client text: printed raw, "\x1b]52;c;...\x07" writes the
# operator's clipboard, "\r" overwrites the line with forged output, and a right-to-left override
# (U+202E) shows a comment reordered.


_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r"}  # as an operator writes them, not \x0a and \x0d


def visible(text: str, *, one_line: bool = False) -> str:
    """Return client-written `text` with every control and format character but tab and newline
    (C0, C1, DEL, bidi overrides, zero-width marks, line and paragraph separators) shown as an escape.

    With `one_line`, newlines are escaped too: a question or a comment is one client's text, and
    a newline in it printed lines that read as the CLI's own (a forged "#3 ... assistant:").
    """
    kept = "\t" if one_line else "\t\n"
    return "".join(_escaped(character, kept) for character in text)


def _escaped(character: str, kept: str) -> str:
    if character in kept or unicodedata.category(character) not in ("Cc", "Cf", "Zl", "Zp"):
        return character
    if character in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[character]
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def describe_scope(scope: dict[str, Any]) -> str:
    if scope.get("asked_worker_pid"):
        return f"# {scope['state']} (asked through worker pid {scope['asked_worker_pid']})"
    where = f", worker pid {scope['worker_pid']}" if scope.get("worker_pid") else f" at {scope.get('redis')}"
    return f"# {scope['state']}{where}"


def removals_and_memory(row: dict[str, Any]) -> dict[str, str]:
    memory = row.get("memory_bytes")
    shown = "n/a" if memory is None else f"≈{_shown_bytes(memory)}" if memory else "0 B"
    sampled = row.get("memory_sampled_entries", 0)
    if memory is not None and sampled < row["entries"]:
        shown += f" (from {sampled} sampled)"
    counted = {name: "n/a" if row.get(name) is None else str(row[name]) for name in ("evictions", "expiries")}
    return {**counted, "memory": shown}


def _shown_bytes(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count / (1024 * 1024):.1f} MiB"


def utc_time(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
