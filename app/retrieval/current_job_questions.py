"""Whether a question asks about the candidate's present job, and which frame is that job.

"What's she doing these days, job-wise?", "Current role?", "Who is he working for at the
moment?": the answer is the Experience entry whose period is still open ("Period: 2020 - present").
Such a question shares no word with it but "now" or "current", which the entry never says, and an
earlier job, as close in meaning, often ranked first ("What's her current job?" gave her last job
but one). A question about an earlier job ("What did she do before that?"), about other present
things (where she lives now, whether her licence is current) or naming the employer is left alone.
Read from English grammar over the question's case-folded words, English only. Written from one
blind writer's 60 such questions and 60 near them in wording, and widened from a third writer's ("Is
she still there?", "what r u doing atm for work", "his actual job", "Who signs her paychecks right
now?"); the second and fourth writers' are held out (`tests/data/current_job_questions_*.yaml`).
"""

from __future__ import annotations

import re

from app.retrieval.types import Passage

# The words that end a job's open period ("2020 - present").
_OPEN_ENDS = ("present", "current", "now", "today", "ongoing", "date")
# A job's open period on its own `Period:` line (the work-history overview says it in a bullet).
_OPEN_PERIOD = re.compile(
    rf"^\W*period\W*:.*?\d{{4}}\s*[-\u2013\u2014]+\s*(?:{'|'.join(_OPEN_ENDS)})\b", re.IGNORECASE | re.M
)
# The open entry is looked up by each open end (`query.lookup_queries`): looked up by "present" alone,
# an entry open "now", "current" or "today" was among the five for 100-115 of the tuning writers' 120
# present-job questions on three of four resumes, against 120 open "present"; now 120 but on one resume
# (109 and 111), whose entry memvid's lexical index returns for no such query, nor for its own "Hallam".
CURRENT_JOB_PROBES = _OPEN_ENDS
_NOW = (
    r"(?:now|right\s+now|rn|atm|currently|at\s+the\s+moment|at\s+present|presently|these\s+days|today|nowadays|lately"
    r"|at\s+this\s+point(?:\s+in\s+time)?)"
)
_JOB = (
    r"(?:job|role|position|post|employer|company|title|gig|duties|responsibilities|team|place(?!\s+of)|workplace|firm"
    r"|organi[sz]ation|employment|day\s+to\s+day|job\s+title|boss|manager|occupation|designation|posision)"
)
# A job of the past, or a move not yet made, however "now" is worded around it.
_PAST = re.compile(
    r"\b(?:before(?!\s+(?:i|we|reaching|calling|contacting)\b)|prior\s+to|previous\w*|former\w*|earlier|first\s+(?:job|role|employer|position)|used\s+to|back\s+in"
    r"|after\s+graduat\w+|early\s+in|entire\s+career|all\s+(?:of\s+)?(?:her|his|their)\s+employers)\b"
)
_ASKS_ABOUT_THE_CURRENT_JOB = re.compile(
    # "her current job", "present position", "your current gig", "current day to day"
    rf"\b(?:current|curent|present|existing|actual|today\s+s)\s+(?:\w+\s+)?{_JOB}\b"
    # "What's his title at the moment?", "Where are you working these days?", "What's she doing now?"
    rf"|\b(?:(?<!to\s)work(?:s|ing)?|employed|doing|{_JOB}(?!\s+market)|professionally|responsible\s+for"
    rf"|up\s+to|involve\w*|with|at\s+work)\b(?:\s+\w+){{0,4}}?\s+{_NOW}\b"
    rf"|\b(?:currently|presently|now)\s+(?:\w+\s+)?(?:work\w*|employ\w*|does|doing|do)\b"
    # "Is she currently in a leadership position?", "presently a manager", "What does he do now?"
    rf"|\b(?:currently|presently|now)\s+(?:hold\w*|in|have|has|running|managing|leading)\s+(?:an?\s+|the\s+)?(?:\w+\s+){{0,2}}?{_JOB}\b"
    rf"|\b(?:is|are)\s+(?:\w+\s+){{1,2}}?(?:currently|presently)\s+an?\s+\w+"
    rf"|\bwhat\s+(?:does|do)\s+(?:\w+\s+){{1,2}}?do\s+(?:\w+\s+){{0,2}}?{_NOW}\b"
    rf"|\bwhere\s*(?:is|s)\s+(?:\w+\s+){{1,2}}?at\s+{_NOW}\b"
    # "Is she still there?", "still employed?", "Does he still work there?", "still with them?"
    rf"|\bstill\s+(?:there|employed|working|work\w*\s+there|in\s+(?:it|that\s+(?:job|role|position))|with\s+(?:them|that\s+\w+"
    rf"|the\s+same\s+\w+)|at\s+(?:it|that\s+\w+))\b"
    rf"|\b(?:signs\s+(?:\w+\s+){{1,3}}?pay\w*|pays\s+(?:her|him|them|the\s+candidate))\s+{_NOW}\b"
    rf"|\bdo(?:es)?\s+(?:\w+\s+){{0,2}}?for\s+(?:work|a\s+living)\b"
    # "What company is she at?"
    rf"|\b(?:what|which)\s+(?:company|employer|organi[sz]ation|firm|business)\s+(?:is|are)\s+(?:the\s+)?\w+\s+(?:at|with"
    rf"|working\s+for|employed\s+by)\s*$"
)


def asks_about_the_current_job(question: str) -> bool:
    """Whether `question` (case-folded words) asks about the job the candidate holds now."""
    return _PAST.search(question) is None and _ASKS_ABOUT_THE_CURRENT_JOB.search(question) is not None


def is_current_job(passage: Passage) -> bool:
    """Whether `passage` is an Experience entry whose period is still open."""
    return _OPEN_PERIOD.search(passage.text) is not None
