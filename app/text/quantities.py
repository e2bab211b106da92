"""Questions that ask for a quantity, and sentences that state one.

"How many people does she manage?" is answered by the sentence with a number in it ("Leads
six shift managers and about 310 associates"), which often shares no word with the question:
the offline answerer weighs such sentences up for such questions. English only: elsewhere the
question's shape is not read, and sentences are ranked by words and meaning alone.
"""

from __future__ import annotations

import re

_ASKS_QUANTITY = re.compile(
    r"\bhow (?:many|much|big|large|long|old|often|far|fast|quickly|high|small)\b"
    r"|\bwhat (?:size|percentage|share|number|proportion)\b|\bnumber of\b",
    re.IGNORECASE,
)
_STATES_QUANTITY = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    r"|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
    r"|hundreds?|thousands?|millions?|billions?|dozens?|half|double|doubled|twice|triple|tripled)\b",
    re.IGNORECASE,
)


def asks_quantity(question: str) -> bool:
    """Whether `question` asks how many, how much, how long…"""
    return _ASKS_QUANTITY.search(question) is not None


def states_quantity(sentence: str) -> bool:
    """Whether `sentence` holds a number, in digits or in words."""
    return _STATES_QUANTITY.search(sentence) is not None
