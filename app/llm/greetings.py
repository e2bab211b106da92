"""Messages that only greet or thank: the offline answer greets back instead of quoting."""

from __future__ import annotations

from app.text.words import words

GREETING = "Hello! Ask me about the candidate's experience, skills or background."
# Words of a message that only greets or thanks ("Hi there!", "Thanks a lot"): quoting the
# resume's nearest sentences to "hello" reads as nonsense, so it gets a greeting and suggestions.
_GREETING_WORDS = frozenset(
    {"hi", "hello", "hey", "hiya", "howdy", "greetings", "thanks", "thank", "thx", "cheers", "good", "morning",
     "afternoon", "evening", "bye", "goodbye", "ok", "okay", "there", "you", "a", "lot", "so", "much", "very",
     "again", "all", "the", "candidate"}
)  # fmt: skip


def only_greets(question: str) -> bool:
    """Whether every word of `question` greets or thanks ("Hi there!", "Thanks a lot")."""
    said = words(question)
    return bool(said) and all(word in _GREETING_WORDS for word in said)
