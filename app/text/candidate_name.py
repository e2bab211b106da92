"""A question that names the candidate, read as one about "the candidate".

Recruiters ask "Has Dana used Unity?" as often as "Has she used Unity?". The name is in the
profile frame and the summary, not in the passage that answers: searched for, it ranked
those two first and pushed the answer out of the five given to the answerer ("Has Elena
Marsh used Terraform?" lost the skills list), and the offline answerer quoted the name's
lines. The name says whom the question is about, which is never in doubt here.
"""

from __future__ import annotations

import re
import unicodedata

from app.text.words import STOP_WORDS

_STAND_IN = "the candidate"


def about_the_candidate(question: str, name: str) -> str:
    """Return `question` with the candidate's name (whole, or any of its words) read as "the candidate".

    Matched as written in the profile (capitalised, whole words; accents optional), so "Will she
    relocate?" keeps its "Will" even for a candidate called Will, unless the word is not a common one.
    A question typed all in lower case ("whos tariq", "whats priya doing now") has no capitals to go
    by: there the name matches in any case, its common words still excepted. The cost: in such a
    question a name that is also a word ("can she mark exams" for a candidate called Mark) reads as her.
    """
    parts = [part for part in re.split(r"\s+", name.strip()) if len(part) > 1]
    if not parts:
        return question
    # Longest first: "Elena Marsh" is one stand-in, not two.
    runs = [" ".join(parts[i:j]) for i in range(len(parts)) for j in range(len(parts), i, -1)]
    runs = sorted(dict.fromkeys(run for run in runs if run.casefold() not in STOP_WORDS), key=len, reverse=True)
    any_case = re.IGNORECASE if question == question.lower() else re.NOFLAG
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(_spelled(run) for run in runs) + r")(?![\w-])", any_case)
    replaced = pattern.sub(_STAND_IN, unicodedata.normalize("NFC", question))
    return re.sub(rf"\b{_STAND_IN}(?: {_STAND_IN})+\b", _STAND_IN, replaced)


def _spelled(run: str) -> str:
    """A pattern for `run` that also takes it typed without its accents ("Siobhan", "Dvorak")."""
    letters = []
    for letter in unicodedata.normalize("NFC", run):
        base = unicodedata.normalize("NFD", letter)[0]
        letters.append(f"[{re.escape(letter)}{re.escape(base)}]" if base != letter else re.escape(letter))
    return "".join(letters)
