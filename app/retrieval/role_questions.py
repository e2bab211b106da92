"""Questions asking whether the candidate would suit a role, and the fit examples that answer them.

A resume's Fit Assessment Examples (SPEC §10) are its own verdicts on roles. Asked "Could she
take charge of a scanner maker's after-sales support?", the frames close in meaning are the jobs
where she did similar work; the fit example for that kind of role may rank sixth or lower, and the
answer then has the evidence without the verdict.
"""

from __future__ import annotations

import re

from app.resume.sections import is_fit_example
from app.retrieval.fusion import put_in
from app.retrieval.types import Passage

# A hypothetical about taking on a role: "would/could/might <someone> suit / fit / be right for /
# be the head of / take charge of / step into / run / lead / oversee / manage / cope with ...".
# English only, like the rest of query understanding; written from English grammar, not from
# any resume's questions.
_TAKES_ON_A_ROLE = re.compile(
    r"\b(?:would|could|might)\s+(?!\w+\s+rather\b)(?:\w+\s+){1,3}?"
    r"(?:suit|fit|be\s+(?:a|an|the|right|suited|suitable|good|great|strong|ready|qualified)\b"
    r"|make\s+(?:a|an|the)\b|take\s+(?:charge|over|on)\b|step\s+(?:into|up)\b|work\s+as\b"
    r"|run|lead|head|oversee|manage|handle|cope|thrive|succeed|do\s+well)\b",
    re.IGNORECASE,
)
_FITS_A_ROLE = re.compile(
    r"\b(?:is|are)\s+(?:\w+\s+){1,3}?(?:an?\s+)?(?:\w+\s+)?(?:fit|match|suited|suitable|qualified|ready)\s+(?:for|to)\b"
    r"|\bshould\s+(?:we|i)\s+(?:consider|hire|interview|shortlist)\b",
    re.IGNORECASE,
)
# Where a fit example found further down is put, when none is among the passages given. Tuning
# sets (2026-12-07, tenth session; 17 of 434 questions ask about a role, 14 of them answered by a
# fit example): answering frame among five 387 -> 389 at place 3 or 5, among three 348 -> 350 at
# place 3, offline facts unchanged (348); no question lost its frame.
FIT_PLACE = 3


def asks_about_a_role(question: str) -> bool:
    """Whether `question` asks if the candidate would suit or could take on a role."""
    return bool(_TAKES_ON_A_ROLE.search(question) or _FITS_A_ROLE.search(question))


def with_a_fit_example(question: str, ranked: list[Passage], top_k: int) -> list[Passage]:
    """The first `top_k` of `ranked`, with its best fit example among them when `question` asks
    about a role and none is (at place FIT_PLACE, or last of fewer)."""
    chosen = ranked[:top_k]
    if not asks_about_a_role(question) or any(is_fit_example(p.title) for p in chosen):
        return chosen
    example = next((p for p in ranked[top_k:] if is_fit_example(p.title)), None)
    if example is None:
        return chosen
    return put_in(chosen, example, FIT_PLACE, top_k)
