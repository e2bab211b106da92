"""Questions every recruiter asks, and the frame that answers each, however the question is worded.

"How can I get hold of her?", "What city does she call home?", "Give me a rundown of every
employer she's had": SPEC §10 gives every resume a profile frame (the front matter: email,
LinkedIn, location) and an Experience overview (one line per employer and role). Their lines are
labels, names and a list, far in meaning from such a question, so the frame that answers it often
ranked sixth or lower. "What's her motivation for moving on?" is answered by an FAQ entry most
resumes of this format have, whatever its author called it ("Why is she looking for a new role?"):
the entry whose title asks the same, read by the same grammar. Read here from English grammar (the
question's case-folded words, as retrieval sees them), not from any resume's questions; a question
asking for none of these is untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from app.resume.parser import PROFILE_TITLE
from app.resume.sections import is_work_history
from app.retrieval.fusion import put_in
from app.retrieval.types import Passage
from app.text.words import words

_SOMEONE = r"(?:she|he|they|her|him|them|the\s+candidate|this\s+\w+)"
# Nouns that name an employer only; a company or firm may be a customer, so those need a verb of
# employment beside them ("Which companies did she sell to?" asks no work history).
_EMPLOYERS = r"(?:employers|workplaces|(?:work|employment|career|job)\s+history)"
_COMPANIES = (
    r"(?:employer|compan(?:y|ies)|firms?|organi[sz]ations?|outfits?|businesses|places|jobs|roles|positions|posts)"
)
_EMPLOYED = r"(?:worked|work|working|employed|employ|hired|had|held|been\s+(?:at|with))"
_ASKS_FOR_EMPLOYERS = re.compile(
    rf"\b{_EMPLOYERS}\b"
    rf"|\b(?:which|what|list|name|rundown|overview|summary|all|every|each|how\s+many|previous|past|former|prior)\b"
    rf"(?:\s+\w+){{0,4}}?\s+{_COMPANIES}\b(?:\s+\w+){{0,5}}?\s+{_EMPLOYED}\b"
    rf"|\b(?:previous|past|former|prior|earlier)\s+{_COMPANIES}\b"
    rf"|\bwhere\s+(?:else\s+)?(?:has|have|did)\s+{_SOMEONE}\s+(?:\w+\s+)?(?:worked|work|been\s+employed)\b"
    rf"|\bwho\s+(?:has|have|had)\s+(?:\w+\s+)?employed\b",
)
_ASKS_HOW_TO_REACH = re.compile(
    r"\b(?:how|best\s+way)\s+(?:can|could|do|should|would|might|may|to)\s+(?:(?:i|we|one|you|someone|recruiters?)\s+)?"
    r"(?:best\s+)?(?:contact|reach|get\s+(?:hold\s+of|in\s+touch)|e\s?mail|call|phone|ring|message|connect)\b"
    r"|\b(?:her|his|their|the\s+candidate\s+s)\s+(?:contact|e\s?mail|phone|linkedin|mobile)\b"
    r"|\bcontact\s+(?:details|info\w*)\b",
)
_PLACES = r"(?:city|town|country|region|state|county|province|area|suburb|place|part\s+of\s+\w+(?:\s+\w+)?)"
_HOME = r"(?:live[sd]?|living|based|located|reside[sd]?|residing|from|home)"
_ASKS_WHERE_SHE_LIVES = re.compile(
    rf"\bwhere\s+(?:s|is|does|do|are|did)\s+(?:\w+\s+){{0,2}}?{_HOME}\b"
    rf"|\b(?:what|which)\s+{_PLACES}\s+(?:is|does|do|are)\s+{_SOMEONE}\s+(?:\w+\s+)?(?:{_HOME}|in|call)\b",
)
_LEAVING = (
    r"(?:leav\w*|quit\w*|mov\w*\s+on|look\w*\s+(?:to\s+leave|for\s+(?:a\s+)?(?:new|another|next|different)\b)"
    r"|job\s+hunting|on\s+the\s+market|(?:a|the)\s+(?:move|change|switch))"
)
_ASKS_WHY_SHE_LEAVES = re.compile(
    rf"\bwhy\s+(?:is|does|did|would|s|are|do|has)\s+{_SOMEONE}\s+(?:\w+\s+){{0,3}}?{_LEAVING}"
    rf"|\bwhat\s+(?:s\s+|is\s+)?(?:making|driving|prompting|pushing|motivating|causing|leading)\s+{_SOMEONE}\s+(?:to\s+)?"
    rf"(?:\w+\s+){{0,2}}?(?:leave|look|move|quit|search|change|switch)"
    rf"|\b(?:motivations?|motives?|reasons?)\s+(?:\w+\s+){{0,2}}?(?:for|behind|to)\s+(?:\w+\s+){{0,2}}?{_LEAVING}",
)
# Where the frame asked for is put when it ranked below the passages given, as for a fit example
# (role_questions.FIT_PLACE). Tuning sets (2026-12-07, thirteenth session): 24 of 434 questions ask
# for the profile or the work history, every one answered by that frame; 4 had it outside the five,
# one ranked by neither search (found by its `probe`): answering frame among three / among five /
# offline facts 350 / 389 / 348 -> 354 / 393 / 351 (before the probe, at place 1 the same as at 3,
# at place 5 three fewer among three). The reason to leave (7 questions, all answered by that FAQ
# entry; 2 had it outside the five), after: 356 / 395 / 352.
ASKED_FRAME_PLACE = 3


class AskedFrame(NamedTuple):
    name: str
    is_it: Callable[[str], bool]  # by frame title
    probe: str  # a lexical query that finds the frame: words ingest writes in it (its title, its lead)


WORK_HISTORY = AskedFrame("work history", is_work_history, "work history")
PROFILE = AskedFrame("profile", lambda title: title == PROFILE_TITLE, PROFILE_TITLE)
REASON_TO_LEAVE = AskedFrame("reason to leave", lambda title: asks_why_she_leaves(" ".join(words(title))), "why")


def asks_why_she_leaves(question: str) -> bool:
    """Whether `question` (case-folded words) asks why the candidate is leaving or looking."""
    return bool(_ASKS_WHY_SHE_LEAVES.search(question.casefold()))


def frame_asked_for(question: str) -> AskedFrame | None:
    """Which frame `question` asks for: WORK_HISTORY, PROFILE, REASON_TO_LEAVE, or None."""
    text = question.casefold()
    if _ASKS_FOR_EMPLOYERS.search(text):
        return WORK_HISTORY
    if _ASKS_HOW_TO_REACH.search(text) or _ASKS_WHERE_SHE_LIVES.search(text):
        return PROFILE
    if asks_why_she_leaves(text):
        return REASON_TO_LEAVE
    return None


def with_the_frame_asked_for(
    asked: AskedFrame | None, chosen: list[Passage], ranked: list[Passage], top_k: int
) -> list[Passage]:
    """`chosen` (at most `top_k` of `ranked`), with the frame `asked` for (`frame_asked_for`) among
    them when it is not and `ranked` has it further down (at ASKED_FRAME_PLACE)."""
    if asked is None or any(asked.is_it(passage.title) for passage in chosen):
        return chosen
    found = next((passage for passage in ranked if asked.is_it(passage.title)), None)
    return chosen if found is None else put_in(chosen, found, ASKED_FRAME_PLACE, top_k)
