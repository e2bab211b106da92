"""A follow-up question is searched together with the question it follows.

"Tell me about her grants." then "Which one is the largest?": searched alone, the second
question finds passages about anything "large", and the offline answer quotes them; the LLM
reads the history, but only the passages the follow-up found. A short question that points
back ("it", "those", "there" at its end, or opening with "and" / "what about") is searched,
and quoted from, as the previous question followed by it. The LLM still reads it as asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.llm.types import ChatMessage
from app.text.words import words

# Longer questions say what they are about; a short one may lean on the one before.
MAX_FOLLOW_UP_WORDS = 8
# Words that point back to what was just asked about. Not "which" ("Which languages does she
# speak?" stands alone), "this" ("this role" is the job) or "there" inside a question ("Is there
# a gap?"): "there" points back only at the end ("What did she do there?"), as "then" does.
_POINTING_WORDS = frozenset(
    {"it", "its", "that", "those", "these", "they", "them", "their", "one", "ones", "former", "latter", "same",
     "else", "such"}
)  # fmt: skip
_POINTING_LAST_WORDS = frozenset({"there", "then", "before", "after", "since", "too"})
_OPENERS = (("and",), ("also",), ("but",), ("plus",), ("what", "about"), ("how", "about"))


def search_text(question: str, history: Sequence[ChatMessage], *, withheld: str) -> str:
    """Return what `question` is searched (and quoted) as: after the previous question if it follows one.

    `withheld` is the stand-in a blocked question is kept under: nothing to follow there.
    """
    previous = next((m["content"] for m in reversed(history) if m["role"] == "user"), "").strip()
    if previous and previous != withheld and is_follow_up(question):
        return f"{previous} {question.strip()}"
    return question


def is_follow_up(question: str) -> bool:
    """Whether `question` is short and points back to the conversation."""
    said = words(question)
    if not said or len(said) > MAX_FOLLOW_UP_WORDS:
        return False
    opens = any(tuple(said[: len(opener)]) == opener for opener in _OPENERS)
    return opens or said[-1] in _POINTING_LAST_WORDS or any(word in _POINTING_WORDS for word in said)
