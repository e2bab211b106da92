"""Questions that ask for a quantity, and sentences that state one.

"How many people does she manage?" is answered by the sentence with a number in it ("Leads
six shift managers and about 310 associates"), which often shares no word with the question:
the offline answerer weighs such sentences up for such questions. "How long…?" asks for a
duration ("in 61 weeks", "eleven years"), which a date ("Period: Jan 2015 to Dec 2017") is
not; nor does a year alone count anything. English only: elsewhere the question's shape is
not read, and sentences are ranked by words and meaning alone.

A question about a change ("Did exam results go up?", "Has she cut costs?", "Did she stop
trucks leaving half empty?") is answered by a result stated with its figures ("rose from 61% to
78%", "cut shrink by 40%"), a resume's usual way to say what changed, which shares no word with
the question as often as not.
"""

from __future__ import annotations

import re

NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    r"|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
    r"|hundreds?|thousands?|millions?|billions?|dozens?|half|double|doubled|twice|triple|tripled"
)
_ASKS_DURATION = re.compile(r"\bhow (?:long|old)\b|\bhow many (?:years|months|weeks|days|hours)\b", re.IGNORECASE)
_ASKS_QUANTITY = re.compile(
    r"\bhow (?:many|much|big|large|often|far|fast|quickly|high|small)\b"
    r"|\bwhat (?:size|percentage|share|number|proportion)\b|\bnumber of\b"
    # "the biggest bridge", "the largest deal": the one with the figure that says so.
    r"|\b(?:biggest|largest|longest|tallest|highest|greatest|heaviest|widest|smallest|fastest)\b",
    re.IGNORECASE,
)
# A count or an amount: a number that is not a year (1900-2099 alone), or a number word. Nor a
# digit inside a name ("Nova-T6", "EC2", "COVID-19"): "How many pupils…?" quoted a product's name.
_STATES_QUANTITY = re.compile(
    rf"(?<![\w.,])(?<![^\W\d_]-)(?!(?:19|20)\d\d(?![\d,%]|\.\d))\d|\b(?:{NUMBER_WORDS})\b", re.IGNORECASE
)
_STATES_DURATION = re.compile(
    rf"(?:\d[\d.,]*\+?|\b(?:{NUMBER_WORDS}|a|an|several|few))[\s-]*(?:years?|months?|weeks?|days?|hours?|decades?)\b",
    re.IGNORECASE,
)


def asks_quantity(question: str) -> bool:
    """Whether `question` asks how many, how much, how long…"""
    return _ASKS_DURATION.search(question) is not None or _ASKS_QUANTITY.search(question) is not None


def states_answer_to(question: str, sentence: str) -> bool:
    """Whether `sentence` states the kind of quantity `question` asks for: a duration for "how
    long?", else a number that is no year, in digits or in words."""
    if _ASKS_DURATION.search(question):
        return _STATES_DURATION.search(sentence) is not None
    return _STATES_QUANTITY.search(sentence) is not None


_ASKS_CHANGE = re.compile(
    r"\b(?:improv\w*|increas\w*|rais\w*|r[io]se|grow\w*|grew|boost\w*|go(?:ne|es)? up|went up|reduc\w*|cut\w*"
    r"|lower\w*|decreas\w*|drop\w*|f[ae]ll\w*|go(?:ne|es)? down|went down|stop\w*|prevent\w*|fewer|less|better"
    r"|worse|faster|quicker|sav(?:e|ed|es|ing)|speed\w* up|shorten\w*|halv\w*|doubl\w*|turn\w* around|fix\w*)\b",
    re.IGNORECASE,
)
# A figure that changed: "from 61% in 2019 to 78%", "by 40%", "from 5.2 to 2.1", "halved", "doubled".
_FIGURE = rf"(?:[$€£]?\d|\b(?:{NUMBER_WORDS}|once|twice)\b)"
_STATES_CHANGE = re.compile(
    rf"\bfrom [^\d.;:]{{0,25}}?(?!(?:19|20)\d\d\b){_FIGURE}[\d.,]*[^\d.;:]{{0,20}}?(?: (?:in|at|during) (?:19|20)\d\d)?"
    rf"\s*\b(?:to|down to|up to) (?:about |around |nearly |over |under )?{_FIGURE}"
    r"|\bby (?:about |around |roughly |over |nearly |almost )?[$€£]?\d[\d.,]*\s*(?:%|percent|million|m\b|k\b|points?)"
    r"|\b(?:halved|doubled|tripled)\b",
    re.IGNORECASE,
)


def asks_change(question: str) -> bool:
    """Whether `question` asks whether something went up or down, got better or stopped (English)."""
    return _ASKS_CHANGE.search(question) is not None


def states_change(sentence: str) -> bool:
    """Whether `sentence` states a figure that changed ("from 61% to 78%", "by 40%", "halved")."""
    return _STATES_CHANGE.search(sentence) is not None
