"""A question's topic, apart from how good at it she is asked to be.

"Is he a wine expert?" shares "expert" with the resume's "Skills — Strong" heading (by way of
its synonyms), and the offline answer quoted the whole list of strong skills without a word on
wine, as if it answered (blind audit). A word that only grades a skill ("expert", "strong",
"experienced", "proficient") finds where her best skills are listed, whatever the skill; when the
resume says nothing of the topic itself, such a word is no match: the answer says the resume may
not answer, and quotes what is closest in meaning.
"""

from __future__ import annotations

from app.retrieval.query import every_form
from app.text.words import content_stems, content_words

_GRADES = frozenset(
    {"expert", "expertise", "strong", "strongest", "strength", "strengths", "experienced", "experience", "seasoned",
     "veteran", "proficient", "proficiency", "skilled", "good", "great", "best", "excellent", "solid", "knowledgeable",
     "familiar", "competent", "capable", "senior", "advanced", "level"}
)  # fmt: skip


def grading_stems(question: str) -> frozenset[str]:
    """The stems of the question's grading words and of their synonyms."""
    grades = [word for word in content_words(question) if word in _GRADES]
    return content_stems(" ".join(form for word in grades for form in every_form(word)))


def has_topic(question: str) -> bool:
    """Whether `question` asks about something besides a grade ("wine" in "Is he a wine expert?")."""
    return bool(content_stems(question) - grading_stems(question))
