"""Whether a question asks how much experience the candidate has in all, or how senior they are.

"Yrs of exp?", "How long has she been a nurse?", "Is he junior or senior?": the resume's summary
usually says it ("eleven years of experience"), and the work history's periods add it up; neither
shares a word with such a question but "years" or "experience", which every job entry says too.
Experience of one tool, skill or task ("How many years of Python?", "How long has he been coding in
Rust?"), time at one employer or in one job ("How long was she at Deloitte?") and "experience" or
"senior" in other senses ("the customer experience project", "a senior director") are left alone.
Read from English grammar over the question's case-folded words, English only. Written from one
blind writer's 60 such questions and 60 near them in wording, and widened from a third and a fifth
writer's ("yrs exp?", "Is he fairly green?", "Been in HR how long?", "Senior or junior?", "Does she
meet the 8+ years requirement?"); the second, fourth and sixth writers' are held out (`tests/data/experience_questions_*.yaml`).
"""

from __future__ import annotations

import re

_SOMEONE = r"(?:she|he|they|you|u|(?:the|this|your)\s+(?:candidate|applicant|person|guy|hire)|this\s+\w+)"
_WHOSE = r"(?:her|his|their|your|ur|(?:the|this)\s+(?:candidate|applicant|person)\s+s)"
# "experience" as typed in a hurry: "exp", "experince", "yoe" (years of experience).
_EXPERIENCE_WORD = r"(?:experience|exp|experince|experiance|expereince|expirience|xp)"
_EXPERIENCE = rf"(?:{_EXPERIENCE_WORD}|years|yrs|yoe)"
# What "years of … experience" may say between, and still mean all of it: not "of SQL experience".
_GENERAL = (
    r"(?:professional|work|working|relevant|industry|total|overall|combined|paid|full\s+time|hands\s+on|practical|real)"
)
# One tool, employer or job: "with Kubernetes", "using Salesforce", "at Deloitte", "her current role".
_NARROWED = re.compile(
    r"\b(?:with|using)\s+(?!(?:her|his|their|you|your|it|us|me|them|him|a\s+decade|at\s+least|a\s+long|a\s+solid|(?:real|solid|some|much|enough"
    r"|significant|substantial|serious)\s+(?:seniority|experience|track\s+record))\b)[a-z]"
    r"|\bat\s+(?!(?:all|least|most|the\s+moment|present|this\s+point)\b)[a-z]"
    r"|\bworked\s+on\s+(?!(?:her|his|their)\s+(?:own|career)\b)[a-z]"
    # "…, not just the last job" asks for all of them.
    r"|(?<!not\sjust\sthe\s)(?<!not\sonly\sthe\s)(?<!not\sjust\s)(?<!not\sonly\s)"
    r"\b(?:current|present|last|previous|first|that)\s+(?:role|job|employer|company|position|title)"
    r"|\b(?:level|senior|junior|experienced|seasoned)\s+(?:in|with)\s+(?!(?:her|his|their|the|this)\s+(?:field|industry"
    r"|profession|career|sector|line)|general)[a-z]"
)
_ASKS_HOW_EXPERIENCED = re.compile(
    # "total experience?", "years in the industry?", "career length?", "exp level?"
    rf"^(?:(?:total|overall|career|work|professional)\s+)?(?:{_EXPERIENCE}|career\s+length|exp\s+level|seniority(?:\s+level)?"
    rf"|(?:years|yrs)\s+(?:of\s+{_EXPERIENCE}|in\s+the\s+(?:industry|field|trade|business)|working))$"
    rf"|\b(?:total|overall)\s+(?:\w+\s+){{0,2}}?(?:level\s+of\s+)?{_EXPERIENCE}\b|\b{_EXPERIENCE}\s+(?:\w+\s+){{0,3}}?"
    rf"(?:in\s+total|in\s+all|overall|altogether|all\s+told)\b"
    rf"|\b(?:years|yrs)\s+(?:of\s+)?(?:{_GENERAL}\s+){{0,2}}{_EXPERIENCE_WORD}\b|\bhow\s+many\s+(?:years|yrs)\s+in\s+(?:the\s+)?\w+"
    rf"|\b(?:years|yrs)\s+total\b|\b(?:exp|experience|seniority)\s+level\b|\bcareer\s+stage\b"
    rf"|\bhow\s+long\s+in\s+the\s+(?:industry|field|trade|business|profession|game|workforce)\b"
    rf"|\bhow\s+long\s+(?:have|has)\s+{_SOMEONE}\s+been\s+doing\s+(?:this|it|that)(?:\s+(?:job|work|for\s+a\s+living))?\s*$"
    rf"|\bbeen\s+(?:in|doing)\s+(?:\w+\s+){{0,2}}?how\s+long\b|\bhow\s+long\s+ago\s+did\s+{_SOMEONE}\s+start\b"
    rf"|\b{_EXPERIENCE_WORD}\s+in\s+years\b"
    rf"|\bhow\s+(?:much|long)\s+(?:\w+\s+){{0,2}}?experience\s+(?:does|do|has|have)\s+{_SOMEONE}\s+(?:have|got|bring)\b"
    rf"(?:\s+(?:altogether|overall|in\s+total|all\s+told|in\s+all|since\s+(?:graduating|graduation|qualifying|school"
    rf"|college|university|uni)))?\s*$"
    # "How long has she been a nurse / in marketing / working as an analyst / practising law?"
    rf"|\bhow\s+(?:long|many\s+(?:years|yrs))\s+(?:(?:has|have|had)\s+)?{_SOMEONE}\s+(?:been\s+(?:(?:working|employed"
    rf"|practi[sc]ing)\b|in\s+(?:the\s+)?[a-z]|an?\s+[a-z]|\w+ing\s+(?:\w+\s+)?as\s+an?\b)|worked\b|spent\s+(?:\w+\s+)?in\b"
    rf"|practi[sc]ed\b|been\s+\w+ing\b(?:\s+\w+){{0,2}}?\s+(?:professionally|for\s+a\s+living|altogether|all\s+up"
    rf"|in\s+total|overall)\b)"
    rf"|\bbeen\s+an?\s+\w+(?:\s+\w+)?\s+(?:for\s+)?(?:a\s+long\s+time|long)\b"
    rf"|\bbeen\s+(?:working|in\s+\w+|in\s+the\s+game)\s+long\b|\bnew\s+to\s+the\s+(?:workforce|field|industry|profession)"
    rf"|\bfar\s+into\s+{_WHOSE}\s+career|\bstart\w*\s+{_WHOSE}\s+career|\b(?:length\s+of\s+{_WHOSE}\s+(?:\w+\s+)?career"
    rf"|career\s+length)"
    # "Is he junior or senior?", "How seasoned is she?", "What's her seniority level?"
    rf"|\b(?:is|are|as|how|count\s+as|classify\s+\w+\s+as|describe\s+\w+\s+as|more\s+of\s+an?|put\s+\w+\s+at"
    rf"|(?:call|consider|rate)(?:\s+(?:her|him|them))?|(?:be\s+)?(?:considered|regarded|seen)(?:\s+as)?)\s+(?:{_SOMEONE}\s+)?"
    rf"(?:an?\s+)?(?:(?!(?:least|less|more|most|not)\b)\w+\s+)?(?:junior|senior|seasoned|experienced|mid\s*level|entry\s*level|early\s*career"
    rf"|graduate\s*level|veteran)\b(?!\s+(?:director|manager|partner|leadership|stakeholders?|staff|people|colleagues"
    rf"|management|team|engineers?\s+(?:on|at|in)))"
    rf"|\b{_WHOSE}\s+(?:overall\s+|general\s+)?(?:level\s+of\s+)?seniority|\bwhat\s+seniority\b|\bseniority\s+(?:level|would)\b"
    rf"|\bjunior\s+(?:\w+\s+)?senior\s+(?:scale|spectrum|ladder|range)\b"
    # "Is he fairly green?", "Is she a new grad or experienced?"; not "as a rookie" (a time of her career).
    rf"|\b(?:is|are|(?:call|consider|rate)\s+(?:her|him|them))\s+(?:{_SOMEONE}\s+)?(?:an?\s+)?(?:\w+\s+)?(?:green|fresher"
    rf"|new\s+grad(?:uate)?|inexperienced|novice|rookie|mid\s*career|fresh\s+out\s+of\s+(?:school|college|uni\w*))\b"
    # "Senior or junior?", "Junior, mid or senior - where does she sit?"
    rf"|\b(?:junior|senior)\s+(?:mid(?:\s*level)?\s+)?or\s+(?:mid(?:\s*level)?\s+or\s+)?(?:junior|senior)(?=\s*$|\s+(?:where|which|what"
    rf"|is|would|then)\b)"
    # A job ad's bar: "the 8+ years requirement", "at least 10 years under their belt", "with 15+ years"
    rf"|\b(?:\d+\+?|five|eight|ten|fifteen|twenty)\s+(?:years|yrs)\s+(?:requirement|required|minimum|under\s+(?:her|his|their|your)\s+belt)\b"
    rf"|\b(?:minimum|at\s+least|more\s+than|over)\s+(?:of\s+)?(?:\d+\+?|five|eight|ten|fifteen|twenty|a\s+decade)\s*(?:years|yrs)?\b"
    rf"(?=\s*(?:$|in\s+(?:the\s+)?(?:industry|field|trade|hospitality|\w+ing)\b|does|is|under))"
    rf"|\bwith\s+\d+\+?\s+(?:years|yrs)\b(?=.*\b(?:is|does)\s+{_SOMEONE}\b)"
    # "How long is her career in…?", "Since when is she working?", "years in the industry?"
    rf"|\bhow\s+long\s+(?:is|has\s+been)\s+{_WHOSE}\s+career\b|\bseniority\s+of\s+(?:{_SOMEONE}|her|him|them)\b"
    rf"|\bsince\s+when\s+(?:(?:has|is|does)\s+)?{_SOMEONE}\s+(?:\w+\s+)?work\w*\b"
    rf"|\b(?:years|yrs)\s+in\s+the\s+(?:industry|field|trade|business|profession|workforce)\b"
    rf"|\bbeen\s+in\s+the\s+(?:workforce|industry|field|trade|profession|business)\b"
    rf"|\bbeen\s+doing\s+(?:this|that|it)(?:\s+kind\s+of\s+work|\s+job|\s+work)?\s+(?:for\s+)?(?:a\s+long\s+time|long)\b"
    rf"|\bhow\s+long\s+(?:have|has)\s+{_SOMEONE}\s+been\s+\w+ing(?=\s*$|\s+(?:the\s+candidate|for\s+a\s+living"
    rf"|professionally)\s*$)"
    rf"|\bhow\s+many\s+(?:years?|yrs)\s+(?:(?:has|have|does|did)\s+)?{_SOMEONE}\s+(?:\w+\s+)?work\w*\b(?:\s+\w+){{0,3}}?"
    rf"\s+(?:total|in\s+total|altogether|overall)\b"
    rf"|\bhow\s+much\s+(?:\w+\s+){{0,2}}?experience\s+(?:has|have)\s+{_SOMEONE}(?=\s*$|\s+in\s+(?:her|his|their)\s+(?:profession"
    rf"|field|career|industry|line\s+of\s+work)\b)"
    rf"|\blong\s+track\s+record\b|\bjust\s+starting\s+out\b"
)
# When her career began: "When did she start out?", "…get her very first job?" ("first job" narrows
# other questions to that job).
_CAREER_START = re.compile(
    r"\b(?:when|what\s+year)\s+did\s+(?:she|he|they|you|the\s+(?:candidate|applicant))\s+(?:(?:start|begin)\w*\s+(?:out|working"
    r"|(?:her|his|their|your)\s+(?:\w+\s+)?career)|get\s+(?:her|his|their|your)\s+(?:very\s+)?first\s+job)\b"
)


def asks_how_experienced(question: str) -> bool:
    """Whether `question` (case-folded words) asks for the candidate's experience in all, or seniority."""
    if _CAREER_START.search(question):
        return True
    return _NARROWED.search(question) is None and _ASKS_HOW_EXPERIENCED.search(question) is not None
