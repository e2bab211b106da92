"""Markdown structure the resume format relies on: headed blocks, bullets and `Label: value` lines."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.resume.model import ResumeFormatError

Line = tuple[int, str]  # (1-based line number, text)

_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+(.*)$")  # "- item", "* item", "1. item", "2) item"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_BLANK_RUN = re.compile(r"\n(?:[ \t]*\n){2,}")  # lines left blank by a removed comment, say
# Bold or italic around a label ("**Period:** 2020", "__Period__: 2020") is presentation only.
_EMPHASIS = re.compile(r"^(\*\*|__|\*|_)(?=[^\s*_])|(\*\*|__|\*|_)(?=:)|(?<=:)(\*\*|__|\*|_)")


# Inline markup the profile's values drop (the frame's text keeps it for the LLM): a link's
# text without its address, emphasis and code spans without their marks. Emphasis only at
# word edges, so snake_case_names and C++ stay whole.
# A link's address may hold one level of parentheses (".../Unity_(game_engine)").
_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_INLINE_EMPHASIS = re.compile(r"(?<![\w*_])(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1(?![\w*_])")
_CODE_SPAN = re.compile(r"`+([^`]+)`+")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|])")  # "\*" is a literal asterisk
_HELD = re.compile("\x00(\\d+)\x00")
_HTML_COMMENT = re.compile(r"\s*<!--.*?-->", re.DOTALL)


def plain(text: str) -> str:
    """Return `text` without its inline markdown: links, emphasis and code spans read as their words."""
    held: list[str] = []

    def hold(match: re.Match[str]) -> str:
        held.append(match.group(1))
        return f"\x00{len(held) - 1}\x00"

    # Escapes and code spans are held apart first: what they hold is never emphasis ("`__init__`").
    text = _CODE_SPAN.sub(hold, _ESCAPED.sub(hold, text))
    text = _AUTOLINK.sub(r"\1", _LINK.sub(r"\1", _HTML_COMMENT.sub("", text)))  # a front-matter value's comment too
    text = _INLINE_EMPHASIS.sub(r"\2", _INLINE_EMPHASIS.sub(r"\2", text))  # twice: ***both***
    return _HELD.sub(lambda match: held[int(match.group(1))], text).strip()


@dataclass(slots=True)
class Block:
    """A heading (`## X` or `### X`) with the lines under it, up to the next heading of its level."""

    heading: str
    line: int
    lines: list[Line] = field(default_factory=list)

    def text(self) -> str:
        """Return the block's body as text, without surrounding blank lines or runs of them."""
        return _BLANK_RUN.sub("\n\n", "\n".join(text for _, text in self.lines)).strip()


def split_blocks(lines: list[Line], marker: str) -> tuple[list[Line], list[Block]]:
    """Split `lines` at headings starting with `marker` ("## "); return the preamble and the blocks."""
    preamble: list[Line] = []
    blocks: list[Block] = []
    fence, fence_line = None, 0
    for number, text in lines:
        was_open, fence = fence, fence_after(text, fence)
        fence_line = number if fence is not None and was_open is None else fence_line
        if fence is None and was_open is None and text.startswith(marker):
            heading = text[len(marker) :].strip().rstrip("#").strip()
            if not heading:
                raise ResumeFormatError(number, f"empty '{marker.strip()}' heading")
            blocks.append(Block(heading, number))
        elif blocks:
            blocks[-1].lines.append((number, text))
        else:
            preamble.append((number, text))
    if fence is not None:
        # Markdown would read the rest of the file as code: its sections would vanish unseen.
        raise ResumeFormatError(fence_line, "this code fence is never closed")
    return preamble, blocks


def fence_after(line: str, fence: str | None) -> str | None:
    """Return the code fence open after `line` (its opening run, "```" or "~~~~"), None when none is.

    As CommonMark reads them: a fence closes only with a run of its own character at least as
    long, with nothing after it ("````" holds a "```" line as code).
    """
    found = _FENCE.match(line)
    if found is None:
        return fence
    run, rest = found.groups()
    if fence is None:
        return None if run[0] == "`" and "`" in rest else run  # a backtick fence's info has no backtick
    closes = run[0] == fence[0] and len(run) >= len(fence) and not rest.strip()
    return None if closes else fence


def bullet_items(lines: list[Line]) -> list[tuple[int, str]]:
    """Return the bullet items of `lines`; a plain line continues the item above (see `_continues`)."""
    items: list[tuple[int, str]] = []
    in_item, gap = False, False
    for number, text in lines:
        match = _BULLET.match(text)
        if match:
            items.append((number, plain(match.group(1))))
            in_item = True
        elif text.strip():
            in_item = in_item and _continues(text, gap)
            if in_item:
                items[-1] = (items[-1][0], f"{items[-1][1]} {plain(text)}")
        gap = not text.strip()
    return items


def _continues(text: str, after_blank_line: bool) -> bool:
    """Whether a plain line continues the bullet or field above it, as markdown reads a list.

    A wrapped line does; after a blank line only an indented one does (the rest is a new
    paragraph), and a table row never does: it would glue a table onto the last highlight.
    """
    return not text.lstrip().startswith("|") and (not after_blank_line or text[:1].isspace())


def labelled_fields(lines: list[Line], labels: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Read `Label: value` lines (labels maps lower-case label -> key) and bullets.

    A plain line continues the field or bullet above it (see `_continues`), so long values may
    wrap; other text (a paragraph, a table) stays in the frame's text only.
    """
    values: dict[str, str] = {}
    bullets: list[str] = []
    current: str | None = None  # key of the field being continued, while one is
    in_bullet = False  # whether the last bullet may still be continued
    gap = False
    for number, text in lines:
        stripped = text.strip()
        if not stripped:
            gap = True
            continue
        continues, gap = _continues(text, gap), False
        label, colon, rest = _EMPHASIS.sub("", stripped).partition(":")
        key = labels.get(label.strip().lower()) if colon else None
        if key is not None:
            if key in values:
                raise ResumeFormatError(number, f"'{label.strip()}:' appears twice in this entry")
            values[key], current, in_bullet = plain(rest), key, False
        elif match := _BULLET.match(text):
            bullets.append(plain(match.group(1)))
            current, in_bullet = None, True
        elif not continues:
            current, in_bullet = None, False
        elif current is not None:
            values[current] = f"{values[current]} {plain(stripped)}".strip()
        elif in_bullet:
            bullets[-1] = f"{bullets[-1]} {plain(stripped)}"
    return values, bullets
