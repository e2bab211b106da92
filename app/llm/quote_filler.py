"""Lines that answer one kind of question only, and are filler under any other.

Near in meaning to many questions about the person, a contact line ("Email: …"), a bare
period ("Period: 2013 - 2017") or a place ("Location: Leeds") answered none of them: blind
audits found the first two quoted for "Is she married?" and "What's his notice period?", and a
place is the same kind of line. Quoted by meaning alone, each needs the question to ask what it
says; a line sharing the question's words is quoted as before.
"""

from __future__ import annotations

import re

from app.text.sentences import Sentence

_LABEL = r"^\W*(?:{})\W*:"
# What each kind of line says, and the words of a question that asks for it.
_ONE_KIND_LINES = (
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
        re.compile(_LABEL.format("period|dates?|years?|duration"), re.IGNORECASE),
        re.compile(
            r"\b(when|how long|dates?|years?|since|until|till|tenure|duration|timeline|start\w*|end\w*|joined|left)\b",
            re.IGNORECASE,
        ),
    ),
    (
        re.compile(_LABEL.format("location|based|city|place"), re.IGNORECASE),
        re.compile(
            r"\b(where\w*|based|locat\w*|live[sd]?|living|city|cities|country|countries|town|region|office|relocat\w*|remote)\b",
            re.IGNORECASE,
        ),
    ),
)


def fills_in(sentence: Sentence, question: str) -> bool:
    """Whether `sentence` answers one kind of question only, and `question` does not ask it."""
    for line, asks in _ONE_KIND_LINES:
        if line.match(sentence.text):
            return not asks.search(question)
    return False
