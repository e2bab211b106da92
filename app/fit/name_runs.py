"""A name written as words side by side, and the numbers that belong to it.

A version, a standard's number or an edition is part of the name it stands beside ("WCAG 2.2
AA", "ISO 27001", "Python 3", "PCI DSS v4", "Level 3", "18th Edition"): without it "WCAG 2.2 AA"
would read "WCAG AA" and "18th Edition" "Edition". A number alone names nothing, and a number of
years ("Java 5 years") is a duration, not a version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# A number as a word of its own: not part of "24/7", "1,000", "7+", "50%", "£2m", "3D" nor "ISO-9001".
NUMBER = re.compile(r"(?<![\w.,/+#%-])\d+(?:\.\d+)*(?:st|nd|rd|th)?(?![\w+#%/-]|[.,]\d)")
_NUMBER_WORD = re.compile(r"v?\d+(?:\.\d+)*(?:st|nd|rd|th)?", re.IGNORECASE)  # "v4" is a version too
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)", re.IGNORECASE)
_DURATION = re.compile(r"\s*(?:years?|yrs?|months?|weeks?|days?|hours?|hrs?)\b", re.IGNORECASE)


def is_number(word: str) -> bool:
    """Whether `word` is a number, a version ("2.2", "v4") or an ordinal ("18th")."""
    return _NUMBER_WORD.fullmatch(word) is not None


def joins_name(word: str, run: list[str], after: str, capitalised_next: bool) -> bool:
    """Whether the number `word` belongs to the name around it.

    It follows a name ("ISO 27001", "PCI DSS v4"), or it is an ordinal before one ("18th
    Edition"); "3 AWS accounts" counts accounts and "5 years" is a duration.
    """
    if _DURATION.match(after):
        return False
    return bool(run) or (_ORDINAL.fullmatch(word) is not None and capitalised_next)


def named(run: list[str], dropped: frozenset[str]) -> Iterator[str]:
    """The name the run writes, the `dropped` words (job words) at its ends left out.

    Its numbers stay inside it; at its start only an ordinal stays ("18th Edition"), and a run
    of numbers alone is no name.
    """
    start, end = 0, len(run)
    while start < end and (run[start].casefold() in dropped or _leading_number(run[start])):
        start += 1
    while end > start and run[end - 1].casefold() in dropped:
        end -= 1
    kept = run[start:end]
    if kept and not all(is_number(word) for word in kept):
        yield " ".join(kept)


def _leading_number(word: str) -> bool:
    return is_number(word) and _ORDINAL.fullmatch(word) is None
