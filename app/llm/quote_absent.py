"""Signs that the resume does not answer a question although some sentence shares its words.

"Does she speak Mandarin?" found the resume's languages and shared "speak"; "What was Tallis
Robotics' annual revenue?" found Tallis Robotics: the offline answer quoted them as if they
answered (blind audits: 2 and 4 of 10 unanswerable questions hedged). Read here, in words:
- a name the question writes (a capitalised word past the first, an acronym: a language, a tool,
  a company, a certificate) that no retrieved passage says in any of its forms, synonyms or
  acronym spellings. Lexical retrieval searches every content word, so a name the resume used
  would have been found;
- a name the passages say, but never beside anything else the question asks about ("revenue");
- "how many X" when no sentence gives a number of X (beside the named thing, when one is named);
- "what X", "which X" when no passage names an X ("What grade did she get?").
"""

from __future__ import annotations

import re

from app.retrieval.query import every_form
from app.text.acronyms import WRITTEN, question_keys, sentence_keys
from app.text.quantities import NUMBER_WORDS
from app.text.sentences import Sentence, matches
from app.text.words import content_stems, content_words, stem

_TOKEN = re.compile(r"[^\W_][\w+#'\u2019.-]*[\w+#]|[^\W_]")
_SENTENCE_START = re.compile(r"(?:^|[.?!:;]\s+)$")
# Words an English question about a candidate is made of: the capitals of any other are not read.
_ENGLISH = re.compile(
    r"\b(?:does|did|do|has|have|had|is|was|are|were|what|which|who|where|when|how|can|could|would|will|she|he"
    r"|they|her|his|their|any|ever)\b",
    re.IGNORECASE,
)
_MIN_WORDS, _MOSTLY = 3, 0.7  # "Does She Speak Mandarin Or Cantonese": Title Case, no names read
# Verbs that carry no topic of their own ("Has she used Azure?" asks about Azure); general English.
_LIGHT = content_stems("use used using make made take took run ran hold held speak spoke need want go went come put")
_AUX = r"(?:did|does|do|has|have|had|is|are|was|were|can|could|will|would)\b"
_WHAT = r"(?P<what>(?:[^\W\d_][\w'-]*\s+){1,3}?)"  # up to three words before the verb
_COUNTED = re.compile(rf"\bhow many\s+{_WHAT}{_AUX}", re.IGNORECASE)  # "How many robots did…"
_KIND = re.compile(rf"\b(?:what|which)\s+(?!{_AUX}){_WHAT}{_AUX}", re.IGNORECASE)  # "What grade did…"
# A count: digits or a number word, not a year ("the outage in 2023" counts no incidents).
_NUMBER = re.compile(rf"^(?!(?:19|20)\d\d$)(?:[$€£]?\d[\d.,]*[%kmKM+]?|{NUMBER_WORDS})$", re.IGNORECASE)
_WINDOW = 3  # words between a number and what it counts: "team of six", "38,000 orders a day"


def seems_unanswered(
    question: str, sentences: list[Sentence], titles: list[frozenset[str]], generic: frozenset[str]
) -> bool:
    """Whether the passages, though they share the question's words, seem not to answer it."""
    said = [frozenset().union(titles[i], *(s.stems for s in sentences if s.passage == i)) for i in range(len(titles))]
    names = named_words(question)
    return (
        bool(unmentioned(question, names, sentences, said))
        or _said_apart(question, names, said, generic)
        or _uncounted(question, names, sentences, said)
        or _unnamed_kind(question, sentences, said, generic)
    )


def named_words(question: str) -> list[str]:
    """The words `question` writes as names: capitalised past a sentence's first word, or in capitals.

    None when capitals say nothing: a question not in English (German capitalises every noun), or
    one written in capitals or Title Case."""
    tokens = list(_TOKEN.finditer(question))
    if not _ENGLISH.search(question):
        return []
    names, capitalised, later = [], 0, 0
    for match in tokens:
        word = match.group()
        if _SENTENCE_START.search(question[: match.start()]):
            continue
        later += 1
        capitalised += word[0].isupper()
        if word[0].isupper() and content_stems(word):
            names.append(word)
    return [] if later >= _MIN_WORDS and capitalised > _MOSTLY * later else names


def unmentioned(question: str, names: list[str], sentences: list[Sentence], said: list[frozenset[str]]) -> list[str]:
    """The `names` of `question` that no passage says."""
    if not names:
        return []
    everything = frozenset().union(*said)
    missing = [name for name in names if not matches(_forms(name), everything)]
    if missing:  # an acronym may be spelt out: "PMP" is "Project Management Professional"
        keys = question_keys(question)
        spelt = frozenset().union(*(sentence_keys(s.text, keys) for s in sentences))
        missing = [name for name in missing if WRITTEN + name.casefold().removesuffix("s") not in spelt]
    return missing


def _said_apart(question: str, names: list[str], said: list[frozenset[str]], generic: frozenset[str]) -> bool:
    """Whether no passage saying one of the question's names says anything else it asks about."""
    named = frozenset(stem for name in names for stem in content_stems(name))
    topic = [word for word in content_words(question) if stem(word) not in named | generic | _LIGHT]
    beside = [stems for stems in said if matches(named, stems)]
    return bool(topic and beside) and not any(matches(_forms(word), stems) for word in topic for stems in beside)


def _uncounted(question: str, names: list[str], sentences: list[Sentence], said: list[frozenset[str]]) -> bool:
    """Whether `question` asks how many of something no sentence gives a number of (in a passage
    saying the thing named, when the question names one: "How many SKUs does Buckeye stock?")."""
    asked = _COUNTED.search(question)
    what = content_words(asked.group("what")) if asked else []
    counted = frozenset().union(*(_forms(word) for word in what))
    if not counted:
        return False
    named = frozenset(stem for name in names for stem in content_stems(name)) - counted
    for sentence in sentences:
        if named and not matches(named, said[sentence.passage]):
            continue
        tokens = sentence.text.split()
        for i, token in enumerate(tokens):
            near = tokens[max(0, i - _WINDOW) : i + _WINDOW + 1]
            if _NUMBER.match(token.strip("(),;:.")) and matches(counted, content_stems(" ".join(near))):
                return False
    return True


def _unnamed_kind(
    question: str, sentences: list[Sentence], said: list[frozenset[str]], generic: frozenset[str]
) -> bool:
    """Whether `question` asks what or which kind of thing no passage names ("What grade did she get?");
    not a kind every resume has ("What experience does she have with…?")."""
    asked = _KIND.search(question)
    kind = [word for word in content_words(asked.group("what")) if stem(word) not in generic] if asked else []
    if not kind:
        return False
    everything = frozenset().union(*said)
    if any(matches(_forms(word), everything) for word in kind):
        return False
    keys = question_keys(" ".join(kind))  # "electronic health record" is the "EHR" a sentence names
    return not keys & frozenset().union(*(sentence_keys(s.text, keys) for s in sentences))


def _forms(word: str) -> frozenset[str]:
    """The stems of `word`, its plain forms and its synonyms."""
    return content_stems(word) | content_stems(" ".join(every_form(word.casefold())))
