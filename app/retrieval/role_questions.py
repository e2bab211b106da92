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
# English only, like the rest of query understanding; written from English grammar, then again
# from two blind writers' questions (tests/data/role_questions_*.yaml), not from any resume's.
_TAKES_ON_A_ROLE = re.compile(
    r"\b(?:would|could|might|d)\s+(?!\w+\s+rather\b)(?:\w+\s+){0,3}?"
    r"(?:suit|fit|be\s+(?:a|an|the|right|suited|suitable|good|great|strong|ready|qualified|overqualified)\b"
    r"|make\s+(?:a|an|the|sense)\b|take\s+(?:charge|over|on)\b|step\s+(?:into|up)\b|work\s+(?:as|out)\b"
    r"|run|lead|head|oversee|manage|handle|cope|thrive|succeed|do\s+(?:well|as)|fare|fill|be\s+hired)\b",
    re.IGNORECASE,
)
_FITS_A_ROLE = re.compile(
    r"\b(?:is|are)\s+(?:\w+\s+){1,3}?(?:an?\s+)?(?:\w+\s+)?(?:fit|match|suited|suitable|qualified|ready)\s+(?:for|to)\b"
    r"|\bshould\s+(?:we|i)\s+(?:consider|hire|interview|shortlist)\b",
    re.IGNORECASE,
)
# A judgment of fit ("a good match", "worth interviewing", "the right choice", "what it takes") next
# to a role ("... for our head of marketing role", "... as general manager"): both, in either order.
_JUDGES_FIT = (
    r"(?:fit|suit\w*|match|overqualified|underqualified|qualif\w*|ready|equipped|capable|cut\s+out|what\s+it\s+takes"
    r"|\w+\s+enough|(?:right|good|strong|great|ideal|realistic|credible|obvious|viable|natural|sensible|solid|safe"
    r"|smart|decent)\s+(?:person|choice|fit|candidate|hire|option|contender|pick|match|profile|background)"
    r"|contender|(?:a|an)\s+(?:\w+\s+)?candidate\s+for|shortlist\w*|put\s+\w+\s+forward"
    r"|submit\w*\s+(?:her|him|them|the\s+(?:candidate|applicant)|this\s+\w+)"
    r"|(?:worth\s+|should\s+(?:\w+\s+)?)interview\w*|interview\s+(?:her|him|them|the\s+candidate)\s+for|considered\s+for"
    r"|(?:consider|recommend|rate)\s+\w+\s+for|trusted\s+to|make\s+sense|work\s+out|fare|see\s+\w+\s+(?:as|in|\w+ing)"
    r"|in\s+front\s+of|line\s+up\s+with|lines\s+up|align\w*\s+with|do\s+the\s+job\s+(?:of|as)|be\s+hired"
    r"|(?:handle|manage|cope\s+with|take\s+on|step\s+into|fill)\s+(?:a|an|the|our|this|that)"
    r"|as\s+(?:a|an)\s+(?:potential|possible|prospective))"
)
# Words naming a role or a job: general English, not any one trade's titles.
_A_ROLE = (
    r"(?:role|position|post|job|opening|vacancy|seat|hire|scheme|appointment|contract|assignment|director|manager"
    r"|lead|head|chief|officer|engineer|analyst|nurse|supervisor|developer|architect|consultant|coordinator"
    r"|specialist|teacher|assistant|executive|partner|principal|president|administrator|technician)s?"
)
_FIT_FOR_A_ROLE = re.compile(
    rf"\b{_JUDGES_FIT}\b(?:\s+\w+){{0,8}}?\s+(?:{_A_ROLE}\b|(?:as|to\s+be)\s+(?:a|an|the|our)\b)"
    rf"|\b{_A_ROLE}\b(?:\s+\w+){{0,4}}?\s+(?:fit|match|suited|suitable)\b",
    re.IGNORECASE,
)
# Where a fit example found further down is put, when none is among the passages given. Tuning
# sets (2026-12-07, tenth session; 17 of 434 questions ask about a role, 14 of them answered by a
# fit example): answering frame among five 387 -> 389 at place 3 or 5, among three 348 -> 350 at
# place 3, offline facts unchanged (348); no question lost its frame.
FIT_PLACE = 3


def asks_about_a_role(question: str) -> bool:
    """Whether `question` asks if the candidate would suit or could take on a role."""
    return bool(_TAKES_ON_A_ROLE.search(question) or _FITS_A_ROLE.search(question) or _FIT_FOR_A_ROLE.search(question))


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
