"""Markdown the resume format does not rely on, rewritten line for line into the forms it does.

Applied to the body before it is split into sections, so frames, the profile and the offline
answerer's sentence splitting all meet one form of each thing:
- HTML comments are removed: rendered markdown hides them, and an author may keep private
  notes (or a job they left out) there;
- every list item is a "- " line, whatever its marker ("*", "+", "1.", "2)", or the "•" a
  word processor pastes), and a horizontal rule is dropped;
- a nested item joins the item it belongs to ("Set up a research repository: a shared
  taxonomy; monthly digests"), not a highlight of its own;
- a table's rows become lines of labelled cells ("Study: Onboarding; Method: Diary study"),
  which read as sentences (a row of pipes does not) and, as before, are no highlights;
- a label in bold or italics ("**Period:** 2020") loses its marks.
A removed line stays as an empty one, so errors still name the right line.
"""

from __future__ import annotations

import re
from itertools import zip_longest

from app.resume.blocks import fence_after
from app.resume.model import ResumeFormatError

Line = tuple[int, str]

_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")  # `<!-- x -->` in code is text
_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+\u2022\u25e6\u25aa\u2023\u25cf]|\d{1,3}[.)])\s+(?P<text>\S.*)$")
_RULE = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_EMPHASISED_LABEL = re.compile(r"^(?P<lead>\s*(?:- )?)(\*\*|__|\*|_)(?P<label>[^*_:\n]{1,40}?)(?::\2|\2:)\s*")
NESTING_INDENT = 2  # spaces deeper than the item above that make an item part of it


def rewrite(lines: list[Line]) -> list[Line]:
    """Return `lines` with comments removed and lists, tables and labels in the format's forms.

    What a code fence holds is kept as written.
    """
    result: list[Line] = []
    outside: list[Line] = []  # lines since the last fence closed
    fence: str | None = None
    for line in _without_comments(lines):
        was_open, fence = fence, fence_after(line[1], fence)
        if was_open is None and fence is None:
            outside.append(line)
            continue
        result.extend(_rewritten(outside))  # a fence opens, holds or closes here: code as written
        outside = []
        result.append(line)
    return result + _rewritten(outside)


def _rewritten(lines: list[Line]) -> list[Line]:
    return _nest_items(_tables_as_lines([_item_and_label(line) for line in lines]))


def _without_comments(lines: list[Line]) -> list[Line]:
    kept: list[Line] = []
    opened_at = 0  # the line of a comment still open, or 0
    fence: str | None = None
    for number, text in lines:
        was_open = fence
        if not opened_at:
            fence = fence_after(text, fence)
        if (fence is not None or was_open is not None) and not opened_at:
            kept.append((number, text))
            continue
        pieces, opened_at = _outside_comments(text, number, opened_at)
        if len(pieces) == 1 and pieces[0] == text:
            kept.append((number, text))
        else:  # "Calm. <!-- note --> Kind." reads "Calm. Kind."; a line that was only a comment is blank
            kept.append((number, re.sub(r"(?<=\S) {2,}(?=\S)", " ", "".join(pieces)).rstrip()))
    if opened_at:
        raise ResumeFormatError(opened_at, "this HTML comment ('<!--') is never closed by '-->'")
    return kept


def _outside_comments(text: str, number: int, opened_at: int) -> tuple[list[str], int]:
    """Return the parts of `text` outside comments and the line of a comment left open (or 0)."""
    pieces: list[str] = []
    at = 0
    while True:
        if opened_at:
            end = text.find("-->", at)
            if end < 0:
                return pieces, opened_at
            at, opened_at = end + 3, 0
        start = _comment_start(text, at)
        if start < 0:
            pieces.append(text[at:])
            return pieces, 0
        pieces.append(text[at:start])
        empty = next((len(form) for form in ("<!-->", "<!--->") if text.startswith(form, start)), 0)
        at, opened_at = (start + empty, 0) if empty else (start + 4, number)  # CommonMark's empty comments


def _comment_start(text: str, at: int) -> int:
    """Where the next comment opens in `text` from `at`, -1 if none; not inside a code span."""
    spans = [match.span() for match in _CODE_SPAN.finditer(text)]
    start = text.find("<!--", at)
    while start >= 0 and any(begin <= start < end for begin, end in spans):
        start = text.find("<!--", start + 4)
    return start


def _item_and_label(line: Line) -> Line:
    number, text = line
    if _RULE.match(text):
        return number, ""
    if item := _ITEM.match(text):
        text = f"{item['indent']}- {item['text']}"
    return number, _EMPHASISED_LABEL.sub(lambda m: f"{m['lead']}{m['label'].strip()}: ", text, count=1)


def _tables_as_lines(lines: list[Line]) -> list[Line]:
    result = list(lines)
    for index in range(1, len(lines)):
        header, separator = lines[index - 1][1], lines[index][1]
        # As GFM reads one: outer pipes optional, as many cells in the header as in the
        # separator (so "A | B" over "---" stays a heading underlined, not a table).
        if not ("|" in header and _TABLE_SEPARATOR.match(separator) and len(_cells(header)) == len(_cells(separator))):
            continue
        labels = _cells(header)
        result[index - 1], result[index] = (lines[index - 1][0], ""), (lines[index][0], "")
        row = index + 1
        while row < len(lines) and "|" in lines[row][1]:
            cells = _cells(lines[row][1])
            labelled = [
                f"{label}: {cell}" if label else cell
                for label, cell in zip_longest(labels, cells, fillvalue="")
                if cell
            ]
            result[row] = (lines[row][0], "; ".join(labelled))
            row += 1
    return result


def _cells(row: str) -> list[str]:
    inner = row.strip().removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def _nest_items(lines: list[Line]) -> list[Line]:
    """Join each nested item to the less indented item above it."""
    result = list(lines)
    parent: list[int] | None = None  # [index in result, indent, items joined to it so far]
    for index, (number, text) in enumerate(lines):
        item = _ITEM.match(text)
        indent = len(text.expandtabs(4)) - len(text.lstrip())
        if item and parent is not None and indent >= parent[1] + NESTING_INDENT:
            above = result[parent[0]][1].rstrip()
            result[parent[0]] = (result[parent[0]][0], _joined(above, item["text"].strip(), first=not parent[2]))
            result[index] = (number, "")
            parent[2] += 1
        elif item:
            parent = [index, indent, 0]
        elif text.strip() and (parent is None or indent <= parent[1]):
            parent = None  # a paragraph after the list: the next item starts a list of its own
    return result


def _joined(above: str, nested: str, *, first: bool) -> str:
    if not first:
        return f"{above.rstrip('.;')}; {nested}"
    if above.endswith("."):  # a sentence of its own: "…across the app. Trained 30 engineers", not "app. trained"
        return f"{above} {nested[:1].upper()}{nested[1:]}"
    return f"{above} {nested}" if above.endswith((":", ";")) else f"{above}: {nested}"
