"""A passage's lines as the resume wrote them, for splitting into sentences (`app.text.sentences`).

Passages come as ingest wrote them, or, from an older `.mv2` or a remote memvid, as snippets
with every line break folded away; the title leads either, and `Tags:` lines are keywords.
"""

from __future__ import annotations

import re
import unicodedata

from app.retrieval.types import Passage
from app.text.sentences import BULLET, LINE_BREAK, continues
from app.text.words import STOP_WORDS

# Where a folded snippet had a bullet or a `Label: value` line (e.g. "Technical work: ").
_FOLDED_BULLET = re.compile(r"\s+-\s+(?=\S)")
# "2016 - 2021", "Jan 2022 - Mar 2024", "2019 - present": a range written with a plain hyphen, not a bullet.
# After the hyphen: a year or a date ("Mar 2024", "Q3 2021", "'15", "12/2019") or an open end.
_RANGE_AFTER_NUMBER = re.compile(
    r"'?\d|q[1-4]\b|(?:present|now|today|current|ongoing|date"
    r"|jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july"
    r"|august|september|october|november|december)\b",
    re.IGNORECASE,
)
_FOLDED_LABEL = re.compile(r"\s+(?=[A-Z][a-z]+(?: [a-z]+)?: )")
# A line holding only a bullet and capitalised words ("- Google") is the start of a label.
# Words end at a space or the end, so a long capitalised run is read one way only (linear time).
_LABEL_START = re.compile(r"\s*(?:-\s*)?(?:[A-Z][\w.&+/-]*(?:\s+|$))*")


def restore_lines(passage: Passage) -> str:
    """Return the passage text without its leading title, with its line structure back.

    memvid returns snippets with all whitespace folded to single spaces, so bullets and
    `Key: value` lines run together; they are split again where they visibly start.
    """
    text = passage.text.strip()
    # memvid returns the text in NFKC (a full-width question mark as "?") but the title as stored.
    title = unicodedata.normalize("NFKC", passage.title)
    folded = "\n" not in text  # as ingest wrote it, the title ends its own line
    for written in dict.fromkeys((passage.title, title)):
        if written and text.startswith(written):
            text = text[len(written) :].lstrip()
            break
    if folded:
        # Only a folded snippet: a paragraph as written keeps its " - " ("end to end - from
        # heads of terms to completion - and") and its "Label: " words.
        text = _break_before_labels(_unfold_bullets(text))
    return _without_tags(text)


def _without_tags(text: str) -> str:
    """Drop the `Tags:` line and the lines it wraps onto: keywords for search, not sentences worth
    quoting ("Location: Leeds" was quoted as "Location: Leeds line management.")."""
    kept: list[str] = []
    above = ""  # the line before, while reading tags
    for line in LINE_BREAK.split(text):
        goes_on = bool(above) and bool(line.strip()) and not BULLET.match(line) and not line.lstrip().startswith("#")
        above = line.strip() if line.startswith("Tags:") or (goes_on and continues(line, above, True)) else ""
        kept.extend([] if above else [line])
    return "\n".join(kept)


def _unfold_bullets(text: str) -> str:
    def boundary(match: re.Match[str]) -> str:
        in_range = text[match.start() - 1 : match.start()].isdigit() and _RANGE_AFTER_NUMBER.match(text, match.end())
        return match.group() if in_range else "\n- "

    return _FOLDED_BULLET.sub(boundary, text)


def _break_before_labels(text: str) -> str:
    """Start a new line before each `Label: ` that a folded snippet ran into the text before it.

    Not inside a label of several capitalised words, nor after a bare bullet: "- Google Cloud: GKE"
    stays one line.
    """

    def boundary(match: re.Match[str]) -> str:
        before = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
        last_word = before.rsplit(maxsplit=1)[-1].casefold() if before.strip() else ""
        # A line rarely ends in "in", "with" or "using": "…design system in Figma: 180
        # components" is one sentence, not a line running into a `Figma:` label.
        # Nor after ";" or ",": "Study: Onboarding; Method: Diary study" is one line of labelled cells.
        inline = before.rstrip().endswith((";", ","))
        return match.group() if _LABEL_START.fullmatch(before) or last_word in STOP_WORDS or inline else "\n"

    return _FOLDED_LABEL.sub(boundary, text)
