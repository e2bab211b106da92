"""Lines that answer one kind of question only, and are filler under any other.

Near in meaning to many questions about the person, a contact line ("Email: …"), a bare
period ("Period: 2013 - 2017") or a place ("Location: Leeds") answered none of them: blind
audits found the first two quoted for "Is she married?" and "What's his notice period?", and a
place is the same kind of line. Quoted by meaning alone, each needs the question to ask what it
says; a contact or place line sharing the question's words ("Leeds", "GitHub") is quoted as
before. A period shares only "current" (its open end, app/llm/quote_context.py) or a number, and
"Period: 2020 - present" opened the answer to "Why does he want to leave his current employer?"
(blind audit): sharing a word answers a yes-or-no question ("Is this her current job?"), but a
question asking for another fact needs to ask when.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.retrieval.strengths_questions import skills_asked_for
from app.text.sentences import Sentence
from app.text.words import words

_LABEL = r"^\W*(?:{})\W*:"
# A question asking for a fact ("What was her LSAT score?", "Why is he leaving?"), not yes or no.
_ASKS_A_FACT = re.compile(
    r"^\W*(?:(?:and|so|but|ok|okay)\W+)?(?:what|when|where|which|who|whom|whose|why|how (?:many|much|long|old|often|far))\b",
    re.IGNORECASE,
)
_PERIOD = re.compile(_LABEL.format("period|dates?|years?|duration"), re.IGNORECASE)
_PLACE_LINE = re.compile(_LABEL.format("location|based|city|place"), re.IGNORECASE)
_WHERE = re.compile(
    r"\b(where\w*|based|locat\w*|live[sd]?|living|city|cities|country|countries|town|region|office|relocat\w*|remote)\b",
    re.IGNORECASE,
)


def _asks_where(question: str) -> bool:
    """Whether `question` asks for a place: "Where does she excel?" asks what she is best at."""
    if _WHERE.search(question) is None:
        return False
    text = " ".join(words(question))
    return not any(skills_asked_for(text))


# What each kind of line says, and whether a question asks for it.
_ONE_KIND_LINES: tuple[tuple[re.Pattern[str], re.Pattern[str] | Callable[[str], bool]], ...] = (
    (
        re.compile(
            _LABEL.format(
                "e-?mail|phone|tel|telephone|mobile|cell|linkedin|github|gitlab|website|web|site|portfolio|orcid"
                "|twitter|x|mastodon|bluesky|address|contact|skype|whatsapp"
            ),
            re.IGNORECASE,
        ),
        re.compile(
            r"\b(contact\w*|reach|e-?mail\w*|mail|phone|call|ring|text|linkedin|github|gitlab|website|site|portfolio"
            r"|profiles?|address|touch|hold|connect|message|socials?|handle|url|links?|orcid)\b",
            re.IGNORECASE,
        ),
    ),
    (
        _PERIOD,
        re.compile(
            r"\b(when|how long|dates?|years?|since|until|till|tenure|duration|timeline|start\w*|end\w*|joined|left"
            r"|still|currently|now|(?:19|20)\d\d)\b",
            re.IGNORECASE,
        ),
    ),
    (_PLACE_LINE, _asks_where),
)


def fills_in(sentence: Sentence, question: str, shared: bool) -> bool:
    """Whether `sentence` answers one kind of question only, and `question` does not ask it
    (`shared`: whether the sentence says one of the question's words)."""
    for line, asks in _ONE_KIND_LINES:
        if line.match(sentence.text):
            asked = asks(question) if callable(asks) else asks.search(question) is not None
            return not asked and (not shared or (line is _PERIOD and asks_for_a_fact(question)))
    return False


def asks_for_a_fact(question: str) -> bool:
    """Whether `question` asks what, who, why… rather than yes or no."""
    return _ASKS_A_FACT.match(question) is not None


def states_the_place_asked(sentence: Sentence, question: str) -> bool:
    """Whether `sentence` is a place line ("Location: Sheffield") and `question` asks where.

    Its label is a format word, not one the line says (`words_said`), so under "Which city does
    she live in?" the line shared no word and lost to a relocation answer close in meaning.
    """
    return _PLACE_LINE.match(sentence.text) is not None and _asks_where(question)
