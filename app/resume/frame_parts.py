"""Long frames cut into parts that the memvid engine stores whole.

memvid cuts a document of 2,400 characters or more into child frames titled "… (page 1/2)"
(measured with memvid-sdk 2.0). The service finds a frame's sentence vectors, fuses rankings
and names sources by the titles it wrote, so those children matched nothing, and ingest
refused any resume with one long section or job entry. A frame whose stored text (its
title, a blank line, its text) would pass MAX_STORED_CHARS is therefore cut here first: at
line ends, then sentence ends, then spaces, and only a run with none of those by count. The
first part keeps the frame's title; the others are titled "Title (part 2 of 3)", so a passage
still says which entry it comes from.
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.resume.model import Frame

MAX_STORED_CHARS = 2_000  # below memvid's 2,400, with room for a part's longer title
# Where a text may be cut, most natural first, with what joins two pieces cut there again.
_CUTS = (
    (re.compile(r"\n+"), "\n"),
    (re.compile(r"(?<=[.!?])\s+|(?<=[\u3002\uff01\uff1f])"), " "),
    (re.compile(r"\s+"), " "),
)


def split_long_frame(frame: Frame) -> list[Frame]:
    """Return `frame` alone when memvid stores it whole, else its parts in order."""
    if _stored_length(frame.title, frame.text) <= MAX_STORED_CHARS:
        return [frame]
    # Room for the longest part title, " (part 99 of 99)": 16 characters.
    room = MAX_STORED_CHARS - _stored_length(frame.title, "") - 16
    texts = _pack(frame.text, room, 0)
    count = len(texts)
    return [
        replace(frame, title=frame.title if number == 1 else f"{frame.title} (part {number} of {count})", text=text)
        for number, text in enumerate(texts, start=1)
    ]


def _stored_length(title: str, text: str) -> int:
    return len(title) + 2 + len(text)  # ingest stores "title\n\ntext"


def _pack(text: str, room: int, cut: int) -> list[str]:
    """Cut `text` into runs of at most `room` characters, joining neighbouring pieces while they fit."""
    if len(text) <= room:
        return [text]
    if cut == len(_CUTS):
        return [text[start : start + room] for start in range(0, len(text), room)]
    pattern, joiner = _CUTS[cut]
    pieces = [run for piece in pattern.split(text) if piece.strip() for run in _pack(piece.strip(), room, cut + 1)]
    runs: list[str] = []
    for piece in pieces:
        if runs and len(runs[-1]) + len(joiner) + len(piece) <= room:
            runs[-1] += joiner + piece
        else:
            runs.append(piece)
    return runs
