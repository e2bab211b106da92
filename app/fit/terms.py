"""The job's terms that look like names of skills or tools, for the offline keyword overlap.

Offline there is no understanding, only the way a word is written, so each rule says when the
writing is evidence of a name:

- Tool-like forms are: an inner capital or digit (PostgreSQL, k8s, AWS), `+` or `#` (C++),
  a short dotted suffix (Node.js), a joined pair of such parts (CI/CD, PV*SOL). Other joined
  words are read part by part ("prom/grafana/ELK"; "un/a" and "m/w/d" are no terms).
- A capital is evidence only inside a sentence: not at the start of a line, nor after any
  mark but a comma or bracket (".", ":", "→", "|", "✅", "•"). Capitals side by side are one
  name ("Core Data", "App Store"); job words at its ends are dropped ("DevOps Engineer"), and
  the numbers beside it stay in it ("WCAG 2.2 AA", "18th Edition": `name_runs.py`).
- Capitals say nothing where a whole line is written so: a line in capitals ("DURATION: 6
  MONTHS"), a line of capitalised words alone (menus, headings, benefits: "Cookie Policy"),
  the value of a field that is no requirement ("Location: Leeds General Infirmary"), a
  language that capitalises every noun (German). Nor is a field's label ("RATE:") a term.
- The hiring company ("At Acme", "Acme's") and places after "at", "from", "based in"… or
  before "-based" ("Bristol-based", not "AWS-based") are the job's setting, not its
  requirements; code (fenced, in backticks, a line that calls or assigns, `snake_case`,
  `camelCase`, `app.post`) is an example, not a requirement.
- The candidate's own skill counts however it is written when it stands alone as an item of
  a list ("stack: go, kafka"); inside a sentence only as the resume writes it ("Go", never
  "ready to go": a skill named by an ordinary word needs its capital or a list around it).
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator

from app.fit.job_text import unwrapped, without_code
from app.fit.name_runs import NUMBER, is_number, joins_name, named
from app.fit.requirements import REQUIREMENT_HEADING
from app.text.words import STOP_WORDS, content_stems, words

CONTEXT_CHARS = 60
MAX_TERM_CHARS = 40  # longer "terms" are links or joined lists, not names ("Kubernetes" is 10)
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"  # accents too: "Marés", "¿Qué"
# Latin letters only: another script (Chinese, Japanese…) separates terms ("AWS上运行Kubernetes").
_TOKEN = re.compile(rf"[{_LATIN}][{_LATIN}0-9_.+#/*·-]*[{_LATIN}0-9+#]|[{_LATIN}]")
_PIECE = re.compile(f"{NUMBER.pattern}|{_TOKEN.pattern}")  # a name's words and its numbers
_JOINERS = re.compile(r"[/*·]")
_IDENTIFIER = re.compile(r".*_.*|[a-z]{2,}[A-Z].*|[a-z]+(\.[a-z_]{4,})+")
_MID_SENTENCE = ",;:(&+\"'\u2019"  # a list after a colon is inside its sentence ("Bonus: Rust")
_LIST_ENDS = ",;:/|()•·*→-\u2013\u2014\u3001\uff0c\uff1b\uff1a\uff08\uff09\u30fb"  # CJK commas, colons, brackets
# The marks of scripts that have no capitals (CJK punctuation, full-width forms): a sentence there
# never starts with a capital, so a capitalised Latin word after one is a name ("…経験。Python、Kubernetes").
_UNICAMERAL_MARK = re.compile(r"[\u3000-\u303f\u30fb\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]")
_EMPLOYER = re.compile(rf"\b(?:At|About|Join)\s+([{_LATIN}][\w-]+)|\b([{_LATIN}][\w-]+)['\u2019]s\b")
_BASED = re.compile(r"-based$", re.IGNORECASE)  # a place cue written after the place
_PLACE_CUE = re.compile(r"\b(?:at|from|across|near|à|(?:based|located|offices?)\s+in)\s*$", re.IGNORECASE)
# Function words of German, the one common language that capitalises every noun.
_GERMAN = frozenset(
    "der die das und mit für wir sie ihre ist ein eine zu von im den des auf bei oder unsere du dein".split()
)
# Words every job description uses that say nothing about a skill.
JOB_WORDS = frozenset(
    """
    ability able about apply benefits bonus build building company culture day days description
    developer developers engineer engineers engineering environment etc excellent growing head
    help hiring ideal including join junior lead looking love made make manager mission nice
    offer opportunity plus preferred principal remote required requirements responsibilities
    responsible role salary senior staff start strong team teams title understanding want work
    working world year years
    """.split()
)
_DROPPED = JOB_WORDS | STOP_WORDS  # at a name's ends ("DevOps Engineer")


def job_terms(job_description: str, known: dict[str, str]) -> list[str]:
    """The job's terms that look like names of skills or tools, most frequent first.

    `known` maps the candidate's skills, case-folded, to the form the resume writes them in.
    """
    text = without_code(html.unescape(job_description))
    title, _, body = text.strip().partition("\n")
    text = unwrapped(body if body and len(title) <= 80 else text)  # a short first line is the title
    capitals_tell = not _capitalises_nouns(text)
    setting = {name.casefold() for match in _EMPLOYER.finditer(text) for name in match.groups() if name}
    counts: Counter[str] = Counter()
    first_form: dict[str, str] = {}
    for line in text.splitlines():
        for term in _line_terms(line, known, capitals_tell and _capitals_tell_in(line)):
            key = term.casefold()
            counts[key] += 1
            if key not in setting and _is_term_text(term):
                first_form.setdefault(key, term)
    return sorted(first_form.values(), key=lambda term: -counts[term.casefold()])


def _line_terms(line: str, known: dict[str, str], capitals_tell: bool) -> Iterator[str]:
    run: list[str] = []  # capitalised words side by side: one name
    for match in _PIECE.finditer(line):
        # What is near the word says how it stands; a window keeps a 20,000-character line linear.
        before, after = line[max(0, match.start() - CONTEXT_CHARS) : match.start()], line[match.end() :][:CONTEXT_CHARS]
        word = _without_place(match.group().strip(".-"), known)
        number = is_number(word)
        adjacent = bool(run) and before.endswith(" ") and not before.endswith("  ") and before[-2:-1].isalnum()
        if run and not (adjacent and (word[:1].isupper() or number) and capitals_tell):
            yield from named(run, _DROPPED)
            run = []
        if number:  # a part of the name beside it, never a term alone
            run += [word] if capitals_tell and joins_name(word, run, after, _capitalised_next(after)) else []
            continue
        if not word or after.lstrip().startswith(":") or _IDENTIFIER.fullmatch(word) or _PLACE_CUE.search(before):
            continue
        starts = _starts_segment(before)
        shouting = not any(c.islower() for c in line)  # capitals on every word: no acronyms
        parts = _parts(word)
        if len(parts) > 1:  # items of a joined list ("prom/grafana/ELK"): each its own term
            yield from named(run, _DROPPED)
            run = []
        for part in parts:
            name = capitals_tell and part[:1].isupper() and (not starts or bool(run) or _capitalised_next(after))
            if name and len(parts) == 1:
                run.append(part)
            elif name or (_tool_form(part) and not shouting) or _known_form(part, known, starts, before, after):
                yield part
    yield from named(run, _DROPPED)


def _without_place(word: str, known: dict[str, str]) -> str:
    """The word, or nothing for a place with "-based": "Bristol-based" is "based in Bristol", the setting.

    What a job is based on that names a tool stays ("AWS-based", the candidate's "Python-based").
    """
    base = _BASED.sub("", word)
    return base if base == word or _tool_form(base) or base.casefold() in known else ""


def _parts(word: str) -> list[str]:
    parts = [p for p in _JOINERS.split(word) if p]
    if len(parts) > 1 and not all(_tool_form(p) or p[:1].isdigit() for p in parts):
        return [p.strip(".-") for p in parts if len(p) > 1]
    return [word]


def _tool_form(word: str) -> bool:
    dotted = re.fullmatch(r"\.?[\w-]+\.[A-Za-z]{2,3}", word) is not None and not word.islower()
    return any(c.isupper() or c.isdigit() for c in word[1:]) or any(c in word for c in "+#*") or dotted


def _known_form(word: str, known: dict[str, str], starts: bool, before: str, after: str) -> bool:
    written = known.get(word.casefold())
    if written is None:
        return False
    alone = (not before.strip() or before.rstrip()[-1] in _LIST_ENDS) and (
        not after.strip() or after.lstrip()[0] in _LIST_ENDS + "."
    )
    # At a sentence's start, as its subject ("Helm is a plus"), not a verb ("Go beyond").
    subject = not after.strip() or after.lstrip()[0] in _LIST_ENDS + "." or _first_word(after) in STOP_WORDS
    return alone or (word == written and (not starts or subject))


def _first_word(text: str) -> str:
    found = words(text[:40])
    return found[0] if found else ""


def _starts_segment(before: str) -> bool:
    stripped = before.rstrip()
    if not stripped:
        return True
    mark = stripped[-1]
    return not (mark.isalnum() or mark in _MID_SENTENCE or _UNICAMERAL_MARK.match(mark))


def _capitalised_next(after: str) -> bool:
    """Whether a capitalised word follows at once: the first word of a name starting a sentence."""
    return after.startswith(" ") and after[1:2].isupper()


def _capitals_tell_in(line: str) -> bool:
    letters = [word for word in _TOKEN.findall(line) if len(word) > 2 and word.casefold() not in STOP_WORDS]
    if not any(c.islower() for c in line) or not letters:
        return False
    prose_around = any(c.isalpha() for c in _TOKEN.sub("", line))  # another script's words
    if all(word[0].isupper() for word in letters) and not (prose_around or line.rstrip().endswith((".", "!", "?"))):
        return False  # a menu entry, a heading, a benefit: capitalised by style
    label, colon, _ = line.partition(":")
    return not colon or len(label) > 40 or REQUIREMENT_HEADING.search(label) is not None


def _capitalises_nouns(text: str) -> bool:
    found = words(text)
    return bool(found) and sum(word in _GERMAN for word in found) >= 0.06 * len(found)


def _is_term_text(term: str) -> bool:
    key = term.casefold()
    if not 2 <= len(key) <= MAX_TERM_CHARS or key in STOP_WORDS or key in JOB_WORDS:
        return False
    return bool(content_stems(term)) and re.match(r"[\w-]+(?:\.[\w-]+)+/", term) is None
