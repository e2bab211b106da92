"""Markdown structure the resume format relies on: headed blocks, bullets and `Label: value` lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.resume.model import ResumeFormatError

Line = tuple[int, str]  # (1-based line number, text)

_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(slots=True)
class Block:
    """A heading (`## X` or `### X`) with the lines under it, up to the next heading of its level."""

    heading: str
    line: int
    lines: list[Line] = field(default_factory=list)

    def text(self) -> str:
        """Return the block's body as text, without surrounding blank lines."""
        return "\n".join(text for _, text in self.lines).strip()


def split_blocks(lines: list[Line], marker: str) -> tuple[list[Line], list[Block]]:
    """Split `lines` at headings starting with `marker` ("## "); return the preamble and the blocks."""
    preamble: list[Line] = []
    blocks: list[Block] = []
    in_fence = False
    for number, text in lines:
        if _FENCE.match(text):
            in_fence = not in_fence
        if not in_fence and text.startswith(marker):
            heading = text[len(marker) :].strip().rstrip("#").strip()
            if not heading:
                raise ResumeFormatError(number, f"empty '{marker.strip()}' heading")
            blocks.append(Block(heading, number))
        elif blocks:
            blocks[-1].lines.append((number, text))
        else:
            preamble.append((number, text))
    return preamble, blocks


def bullet_items(lines: list[Line]) -> list[tuple[int, str]]:
    """Return the bullet items of `lines`; an indented or plain line continues the item above."""
    items: list[tuple[int, str]] = []
    for number, text in lines:
        match = _BULLET.match(text)
        if match:
            items.append((number, match.group(1).strip()))
        elif text.strip() and items:
            items[-1] = (items[-1][0], f"{items[-1][1]} {text.strip()}")
    return items


def labelled_fields(lines: list[Line], labels: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Read `Label: value` lines (labels maps lower-case label -> key) and bullets.

    A line that is neither continues the field or bullet above it, so long values may wrap.
    """
    values: dict[str, str] = {}
    bullets: list[str] = []
    current: str | None = None  # key of the field being continued; None while in bullets
    for number, text in lines:
        stripped = text.strip()
        if not stripped:
            continue
        label, colon, rest = stripped.partition(":")
        key = labels.get(label.strip().lower()) if colon else None
        if key is not None:
            if key in values:
                raise ResumeFormatError(number, f"'{label.strip()}:' appears twice in this entry")
            values[key], current = rest.strip(), key
        elif match := _BULLET.match(text):
            bullets.append(match.group(1).strip())
            current = None
        elif current is not None:
            values[current] = f"{values[current]} {stripped}".strip()
        elif bullets:
            bullets[-1] = f"{bullets[-1]} {stripped}"
    return values, bullets
