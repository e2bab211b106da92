"""A follow-up question is searched together with the question it follows.

"Tell me about her grants." then "Which one is the largest?": searched alone, the second
question finds passages about anything "large", and the offline answer quotes them; the LLM
reads the history, but only the passages the follow-up found. A short question that points
back ("it", "those", "there" at its end, or opening with "and" / "what about") is searched,
and quoted from, as the previous question followed by it; when that one was a follow-up too,
after the question it followed ("Tell me about his time at the hotel." "How much did he buy
there?" "What did he do before that?": the third lost the hotel, blind audit). The LLM still
reads it as asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.llm.types import ChatMessage
from app.text.words import words

# Longer questions say what they are about; a short one may lean on the one before. Ending in
# "there" or "then" points back at any length ("Did she spend any time abroad while she was there?").
MAX_FOLLOW_UP_WORDS = 8
MAX_POINTING_LAST_WORDS = 16
MAX_CHAIN = 3  # questions searched together: a follow-up, and up to two before it
# Words that point back to what was just asked about. Not "which" ("Which languages does she
# speak?" stands alone), "this" ("this role" is the job), nor "there" beside "is" ("Is there a
# gap?"), a place anywhere else ("What did she do there?"); at the end it points back, as "then" does.
_POINTING_WORDS = frozenset(
    {"it", "its", "that", "those", "these", "they", "them", "their", "one", "ones", "former", "latter", "same",
     "else", "such"}
)  # fmt: skip
_POINTING_LAST_WORDS = ("there", "then", "before", "after", "since", "too")  # the first two at any length
_BE = frozenset({"is", "are", "was", "were", "be", "been", "isn", "aren", "wasn", "weren", "s", "t"})  # "isn't there"
_OPENERS = (("and",), ("also",), ("but",), ("plus",), ("what", "about"), ("how", "about"))


def search_text(question: str, history: Sequence[ChatMessage], *, withheld: str) -> str:
    """Return what `question` is searched (and quoted) as: after the previous question if it follows one.

    `withheld` is the stand-in a blocked question is kept under: nothing to follow there.
    """
    chain = [question.strip()]
    asked_before = (m["content"].strip() for m in reversed(history) if m["role"] == "user")
    for previous in asked_before:
        if not previous or previous == withheld or not is_follow_up(chain[0]) or len(chain) == MAX_CHAIN:
            break
        chain.insert(0, previous)
    return " ".join(chain) if len(chain) > 1 else question


def is_follow_up(question: str) -> bool:
    """Whether `question` is short and points back to the conversation."""
    said = words(question)
    if not said or len(said) > MAX_POINTING_LAST_WORDS:
        return False
    if said[-1] in _POINTING_LAST_WORDS[:2]:
        return True
    if len(said) > MAX_FOLLOW_UP_WORDS:
        return False
    opens = any(tuple(said[: len(opener)]) == opener for opener in _OPENERS)
    points = any(word in _POINTING_WORDS for word in said) or _points_there(said)
    return opens or said[-1] in _POINTING_LAST_WORDS or points


def _points_there(said: list[str]) -> bool:
    """Whether "there" is a place ("How much did he buy there?"), not "is there a gap?"."""
    beside = (
        (said[i - 1] if i else "", said[i + 1] if i + 1 < len(said) else "") for i, w in enumerate(said) if w == "there"
    )
    return any(not {before, after} & _BE for before, after in beside)
