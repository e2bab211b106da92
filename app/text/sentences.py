"""Sentences and word stems of resume text, for the offline answerer's extractive matching."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.text.words import content_stems

MAX_SENTENCE_CHARS = 400
_MAX_LEAD_WORDS = 3

LINE_BREAK = re.compile(r"\r\n|\r|\n")  # not splitlines(): U+2028 is text, not a break
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")
# A full stop that ends a title or an initial, not a sentence: "Dr. Tobias Wennerholm" was
# quoted as "Dr.", and "Morris, J. and Lee, K." as three sentences. Not "No." nor "etc.",
# which end sentences as often as not ("No. She would need a visa."). Nor before a lowercase
# word: "in the U.S. for years" goes on.
# Also the common abbreviations of German, French and Spanish resumes ("z. B.", "bzw.", "ca.",
# "env.", "p. ej."), whose full stops cut "z. B. Python" into three sentences.
_ABBREVIATION_END = re.compile(
    r"(?:^|[\s(])(?:[A-Za-z]|Dr|Mr|Mrs|Ms|Mx|Prof|St|Jr|Sr|vs|e\.g|i\.e|approx|incl"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"  # and a month: "a course in Nov. 2023"
    r"|ca|bzw|usw|ggf|inkl|evtl|sog|Nr|Str|Hr|Fr|Dipl|Ing|env|Mme|Sra|Dra|aprox|ej|ex)\.$"
)
# A day written as an ordinal before its month, as German does: "am 1. April 2027", "den 15. März".
_DAY_BEFORE_MONTH = re.compile(r"(?:^|\s)\d{1,2}\.$")
_MONTH = re.compile(
    r"(?:januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember"
    r"|january|february|march|may|june|july|october|december)\b",
    re.IGNORECASE,
)
# "no." before a number is "number": "(GPhC no. 2071193, lapsed 2019)" was cut after "no.".
_NUMBER_SIGN = re.compile(r"(?:^|[\s(])(?:no|nos|nr|num)\.$", re.IGNORECASE)
BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+(?P<rest>.*\S)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.*\S)\s*$")
_HEADING_MARK = "\x00"  # a piece that is a heading, not a sentence
_WRAPPED_LINE_CHARS = 50  # a line this long that stops mid-sentence was wrapped by an editor
_SENTENCE_ENDS = ".!?;:…"
_MIN_PREFIX = 4  # the shortest word that matches a longer one it starts ("lead"/"leader")
# What may follow a stem in a longer word of its family: agent and comparison endings the English
# stemmer keeps ("writer", "supervisor", "strongest", "pianist"), its i/y and s quirks
# ("groceri"/"grocer", "licens"/"licen"), and "programm"/"program" (a doubled last letter).
_FAMILY_TAILS = frozenset({"", "r", "er", "or", "ers", "ors", "est", "ist", "ian", "i", "s"})
_KEY_VALUE = re.compile(r"^\s*[^\W\d_][\w /&'()-]{0,40}:\s+\S")


@dataclass(frozen=True, slots=True)
class Sentence:
    passage: int  # index in request.passages: retrieval rank
    position: int  # index within the passage: keeps the original order
    text: str
    stems: frozenset[str]


def split_sentences(passage: int, text: str) -> list[Sentence]:
    """Split passage text into sentences; bullet and `Key: value` lines are one each."""
    result: list[Sentence] = []
    lead = ""  # a heading, or a bare "No." or "Yes, often.", opening the next sentence
    answered = False  # whether `lead` holds a bare answer, not only a heading

    def keep(text: str, stems: frozenset[str]) -> None:
        result.append(Sentence(passage, len(result), clip(text), stems))

    for piece in [*_pieces(text), _HEADING_MARK]:  # a last heading flushes a bare answer left over
        if piece.startswith(_HEADING_MARK):
            if answered:  # an FAQ answered "No." and nothing more: the whole answer, kept
                keep(lead.strip(), content_stems(lead))
            # A heading inside a section leads the sentence after it: alone, "Yes. Since going
            # freelance…" under "### Can he write code?" answered whatever was asked.
            heading = piece.removeprefix(_HEADING_MARK)
            lead = "" if not heading else f"{heading} " if heading[-1] in ".!?:…" else f"{heading}: "
            answered = False
            continue
        stems = content_stems(piece)
        if not stems and len(piece.split()) <= _MAX_LEAD_WORDS:
            # Alone it says nothing to search for, so it leads the next sentence: dropped, "No.
            # She would need a visa." was quoted as "She would need a visa.", the opposite.
            lead, answered = f"{lead}{piece.strip()} ", True
        elif stems:
            keep(f"{lead}{piece.strip()}", stems)
            lead, answered = "", False
    return result


def _pieces(text: str) -> list[str]:
    """Return the text's items (bullets, `Key: value` lines), its paragraphs' sentences, and its
    headings (marked), in order.

    A line wrapped in the source stays with the line it continues: a bullet's or label's next
    line when it is indented, goes on in lower case ("No: she expects to be on site every /
    working day.") or follows a long line cut mid-sentence (`continues`), and a line of a
    running paragraph even when it looks like a label ("cares about boring, observable /
    infrastructure: clear service-level objectives…").
    """
    pieces: list[str] = []
    block: list[str] = []  # the lines of the item or paragraph being read
    item = False  # whether `block` is an item
    for line in [*LINE_BREAK.split(text), ""]:
        bullet = BULLET.match(line)
        heading = line.lstrip().startswith("#")
        if block and line.strip() and not bullet and not heading and continues(line, block[-1], item):
            block.append(line.strip())
            continue
        if block:
            pieces.extend([" ".join(block)] if item else _paragraph_sentences(" ".join(block)))
        block, item = [], False
        if heading:
            # A heading leads the sentence under it; a line of "#" marks alone is dropped.
            pieces.extend([_HEADING_MARK + titled_line.group("text")] if (titled_line := _HEADING.match(line)) else [])
        elif line.strip():
            item = bullet is not None or _KEY_VALUE.match(line) is not None
            block = [bullet.group("rest") if bullet else line.strip()]
    return pieces


def continues(line: str, above: str, item: bool) -> bool:
    """Whether `line` goes on with the item or paragraph above it (whose last line is `above`),
    rather than starting a label, a table row or, after an item, a paragraph of its own."""
    if line.lstrip()[0].islower():
        return True  # a sentence wrapped mid-way: "on site every / working day."
    if _KEY_VALUE.match(line) or line.lstrip().startswith("|"):
        return False
    # An item's line wrapped at a column: indented under it, or flush after a long line cut
    # mid-sentence ("assessment tracker in Excel and / Power BI; wrote…"). A short line
    # without a full stop is a whole item ("- Go: moderate", then a paragraph).
    wrapped = len(above) >= _WRAPPED_LINE_CHARS and above[-1] not in _SENTENCE_ENDS
    return not item or line[0].isspace() or wrapped


def _paragraph_sentences(paragraph: str) -> list[str]:
    found: list[str] = []
    for piece in _SENTENCE_END.split(paragraph):
        if found and _goes_on(found[-1], piece):
            found[-1] = f"{found[-1]} {piece}"
        else:
            found.append(piece)
    return found


def _goes_on(before: str, piece: str) -> bool:
    """Whether the full stop between `before` and `piece` ends no sentence."""
    day = _DAY_BEFORE_MONTH.search(before) is not None and _MONTH.match(piece) is not None
    number = _NUMBER_SIGN.search(before) is not None and piece[0].isdigit()
    return _ABBREVIATION_END.search(before) is not None or piece[0].islower() or day or number


def titled(title: str, sentence: str) -> str:
    """Return the text a sentence is embedded as: led by its heading.

    The heading gives a sentence its context: "€120,000" answers a question about pay
    because it sits under "What are her salary expectations?". Ingest and the offline
    answerer embed the same texts, so their vectors are shared by the embedding cache.
    """
    return f"{title}: {sentence}"


def matches(question: frozenset[str], stems: frozenset[str]) -> set[str]:
    """Return the question stems found in `stems`, allowing a short prefix difference.

    Only a word of four letters or more can differ by a prefix, and a key that is not a word
    (app/text/acronyms.py: "^ehr") only matches exactly: the prefix test, pair by pair, was
    most of an offline answer's time.
    """
    found = {q for q in question if q in stems}
    words = [s for s in stems if len(s) >= _MIN_PREFIX]
    for q in question - found:
        if len(q) >= _MIN_PREFIX and q[0].isalnum() and any(_prefix_match(q, s) for s in words):
            found.add(q)
    return found


def _prefix_match(a: str, b: str) -> bool:
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < _MIN_PREFIX or not long.startswith(short):
        return False
    # Only what the stemmer leaves of a word's family: "lead"/"leader", "strong"/"strongest",
    # "plan"/"planner", "certif"/"certifi". Any short tail is not: "hands" met "handle",
    # "week" "weekend", "plan" "plane" and "plant", "page" "pager", "start" "startup".
    tail = long[len(short) :]
    if short[-1] == "e" and tail[0] == "e":  # a word ending in "e" takes "r": "carer", never "career"
        return False
    return tail in _FAMILY_TAILS or (tail[0] == short[-1] and tail[1:] in _FAMILY_TAILS)


def clip(text: str) -> str:
    if len(text) <= MAX_SENTENCE_CHARS:
        return text
    return text[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"
