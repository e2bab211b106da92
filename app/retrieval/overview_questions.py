"""Whether a question asks for a general introduction to the candidate, and which frame gives one.

"Tell me about her", "Who is he?", "Elevator pitch pls", "What's her background?": often the first
thing a recruiter types, and the one the resume's summary answers. Such a question has no content
word, or only "background" or "career", so its meaning is nearest the FAQ entries worded as
questions about her, and the summary ranked outside the five for most of them. A question narrowed
to one topic ("Tell me about her Python experience", "What's her educational background?",
"Summarise her time at Deloitte") is left alone. Read from English grammar over the question's
case-folded words, English only. Written from one blind writer's 60 such questions and 60 near them
in wording, and widened from a third and a fifth writer's ("Brief me on him", "Sell me on her", "who r
u", "Walk me thru her background", "please introduce me this candidate"); the second, fourth and
sixth writers' are held out (`tests/data/overview_questions_*.yaml`).
"""

from __future__ import annotations

import re

# The headings resumes give their opening summary (SPEC §10 fixes none; these are the usual ones in
# English), compared case-folded with a frame's title (a long section's parts included).
SUMMARY_TITLES = frozenset(
    {
        "summary",
        "professional summary",
        "career summary",
        "executive summary",
        "profile summary",
        "summary of qualifications",
        "profile",
        "professional profile",
        "personal profile",
        "career profile",
        "about",
        "about me",
        "overview",
        "introduction",
        "personal statement",
        "bio",
        "biography",
    }
)
# The summary is looked up by each of these headings (`query.lookup_queries`). Looked up by "summary"
# alone, a summary headed "About Me" or "Personal Statement" was among the five for 17 to 93 % of the
# tuning writers' who-is-she questions on four resumes, against 99 % headed "Summary".
SUMMARY_PROBES = tuple(sorted(SUMMARY_TITLES))

_PERSON = r"(?:candidate|applicant|person|one|guy|man|woman|lady|individual|hire|client)"
# The candidate as a subject or object; "her" only when no noun follows ("about her Python work").
_THEM = rf"(?:(?:she|he|they|him|them|you|u|yourself|urself)\b|(?:the|this|your)\s+{_PERSON}\b|(?:candidate|applicant)\b|her(?=\s*$|\s+(?!s\b)[a-z]+ly\b|\s+(?:and|in|to|for|please|pls|before|so|like|as|overall|briefly|generally)\b))"
_WHOSE = rf"(?:her|his|their|your|(?:the|this|your)\s+{_PERSON}\s+s)"
# After the candidate or their career: nothing that narrows it ("career at Google", "background in
# finance").
_WHOLE = (
    r"(?!\s+(?:s|with|in|at|as|on|from|during|of|about|behind|regarding)\b(?!\s+(?:general|brief|short|a\s+nutshell|full"
    r"|to\s+date|a\s+whole|broad\s+strokes|a\s+(?:high\s+level|glance)"
    r"|an?\s+(?:candidate|person|professional)|(?:a|one|two|three|\d+|a\s+few)\s+(?:paragraphs?|sentences?|words?|lines?)"
    r"|start|the\s+(?:start|beginning))\b))"
)
# Nothing after them but padding: "Sell me on her" and not "…for the CFO job"; "about her background" and
# not "…experience managing people".
_ALONE = r"(?=\s*$|\s+(?:please|pls|plz|and|overall|in\s+general|briefly|quickly|as\s+a\s+whole|so\s+far|to\s+date)\b)"
_CAREER = r"(?:career|profile|background|experience|cv|resume|story|journey|work\s+history|professional\s+life)"
_OVERVIEW_NOUNS = (
    r"(?:summary|overview|rundown|run\s+down|gist|tl\s*dr|intro(?:duction)?|bio|big\s+picture|elevator\s+pitch"
    r"|pitch|highlights|synopsis|snapshot|lowdown|low\s+down|picture|sense|version|profile)"
)
_ASKS_FOR_AN_OVERVIEW = re.compile(
    # "Who is she?", "Who's the candidate, professionally speaking?", "Who am I looking at here?"
    # After "who is she" the words of the next sentence may follow ("…? Give me the basics."): punctuation is gone.
    rf"\bwho(?:\s+(?:exactly|really))?(?:\s+is|\s+s|s|\s+are|\s+re|\s+r)?\s+(?:{_THEM}|this)(?=\s*$|\s+(?:and|professionally"
    rf"|as\s+an?\s+(?:professional|person|candidate|worker|employee)|just|so|ok|okay|give|tell|quick|pls|please|thanks"
    rf"|thank|i|we|my|our|in\s+(?:short|brief|general"
    rf"|a\s+nutshell|(?:a|one|two|three|\d+|a\s+few)\s+(?:words?|sentences?|lines?))|really|exactly|then|career\s*wise"
    rf"|broadly)\b)|\bwho\s+(?:exactly\s+)?am\s+i\s+looking\s+at\b"
    rf"|\b(?:explain|know|tell\s+me|describe|summari[sz]e|sum\s+up|picture\s+of|sense\s+of|gist\s+of)\s+who\s+{_THEM}\s+(?:really\s+)?(?:is|are)\b"
    # "Tell me about her", "What can you tell me about him?", "What should I know about them?"
    rf"|\btell\w*\s+(?:me|us)\s+(?:(?:a\s+(?:bit|little)|more|everything|something|all)\s+)?(?:(?:i|we)\s+(?:should|need\s+to)"
    rf"\s+know\s+)?(?:a?bout|abt)\s+(?:{_THEM}{_WHOLE}|{_WHOSE}\s+(?:professional\s+|overall\s+|general\s+)?{_CAREER}{_ALONE})"
    rf"|\bwhat\s+(?:should|do|must)\s+(?:i|we)\s+(?:need\s+to\s+)?know\s+about\s+{_THEM}{_WHOLE}"
    # "An overview of the candidate", "the executive summary of her career", "background summary"
    rf"|\b{_OVERVIEW_NOUNS}\s+(?:of|on|for|to|about|with)\s+(?:who\s+)?(?:{_THEM}|{_WHOSE}\s+(?:whole\s+|entire\s+|professional\s+|overall\s+)?"
    rf"{_CAREER}){_WHOLE}"
    rf"|\b{_WHOSE}\s+(?:\w+\s+)?(?:summary|overview|bio|story|elevator\s+pitch)\b{_WHOLE}"
    rf"|^(?:(?:quick|short|brief|general|full|overall|the|an?|candidate|s|background|profile|career|executive|one"
    rf"|paragraph|please|pls)\s+)*{_OVERVIEW_NOUNS}(?:\s+(?:please|pls|plz))?$"
    # "What's her background?", "Walk me through his career", "Sum yourself up"
    rf"|\b(?:what\s*(?:is|s)|describe|summari[sz]e|sum\s+up|outline|recap|explain|give\s+me|walk\s+me\s+through"
    rf"|(?:take|run|talk)\s+me\s+(?:through|thru)|walk\s+me\s+thru)\s+(?:\w+\s+){{0,2}}?{_WHOSE}\s+(?:whole\s+|entire\s+|professional\s+"
    rf"|overall\s+|general\s+)?{_CAREER}(?:\s+(?:so\s+far|to\s+date))?{_WHOLE}"
    rf"|\b(?:summari[sz]e|describe|sum\s+up|pitch|introduce(?:\s+(?:me|us)(?:\s+to)?)?|present|profile)\s+{_THEM}(?:\s+up)?"
    rf"(?=\s*$|\s+(?:for|to|in|please|pls|plz|briefly|like|as|and|professionally|(?:the\s+)?candidate)\b)|\bsum\s+{_THEM}\s+up\b"
    rf"|^{_THEM}\s+in\s+(?:a\s+nutshell|brief|short|(?:a|one|two|three|\d+|a\s+few)\s+(?:sentences?|words?|lines?|paragraphs?))$"
    rf"|\b{_WHOSE}\s+{_CAREER}\s+(?:at\s+a\s+glance|in\s+(?:brief|short|a\s+nutshell|broad\s+strokes|general))\b"
    rf"|\bwhat\s*(?:is|s|are)\s+{_THEM}\s+(?:all\s+)?about\s*$|\bwhat\s*(?:is|s|are)\s+{_THEM}\s+like(?:\s+as\s+an?\s+"
    rf"(?:professional|person|colleague|worker|employee))?(?:\s+overall)?\s*$"
    rf"|\bwhat\s+(?:kind|sort|type)\s+of\s+(?:professional|person|candidate|worker|employee)"
    rf"(?:\s+and\s+(?:professional|person|colleague))?\s+(?:is|are)\s+{_THEM}"
    # "Brief me on him", "Sell me on the candidate", "Paint me a picture of her", "What's their deal?"
    rf"|\b(?:brief|sell)\s+(?:me|us)\s+on\s+{_THEM}{_ALONE}|\bpaint\s+(?:me|us)\s+a\s+picture\s+of\s+{_THEM}{_WHOLE}"
    rf"|\bwh?at\s*(?:is|s)\s+(?:{_WHOSE}|the\s+deal\s+with\s+{_THEM})\s*(?:deal)?\s*$"
    rf"|\bwh?at\s*(?:is|s)\s+{_WHOSE}\s+(?:professional\s+|overall\s+)?{_CAREER}\s+like(?:\s+overall)?\s*$"
    # "Why should I hire you?", "What makes him worth hiring?", "Convince me to hire her."
    rf"|\bwhy\s+(?:should|would|must)\s+(?:i|we|you|anyone)\s+(?:(?:want|need)\s+to\s+)?(?:hire|pick|choose|consider)"
    rf"\s+{_THEM}\s*$"
    rf"|\bworth\s+hiring\b|\bconvince\s+(?:me|us)\s+to\s+hire\b|\b(?:be|make)\s+a\s+(?:good|great|strong)\s+hire\s*$"
)


def asks_for_an_overview(question: str) -> bool:
    """Whether `question` (case-folded words) asks who the candidate is, in general."""
    return _ASKS_FOR_AN_OVERVIEW.search(question) is not None


def is_summary(title: str) -> bool:
    """Whether the frame titled `title` is the resume's opening summary (or a part of it)."""
    return title.split(" (part ", 1)[0].casefold() in SUMMARY_TITLES
