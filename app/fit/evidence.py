"""Whether a text mentions a term: the term's words side by side, however they are spaced.

A term of several words is one name ("Core Data", "App Store", "Machine Learning"): the resume
mentions it only when those words stand together, not when "data" and "core" appear apart.
Spacing and case do not matter ("ArgoCD", "ARGOCD" and "Argo CD" are one name), and a
numeronym ("k8s", "i18n": first letter, the count of letters left out, last letter) names the
word it shortens when the text holds one. A number is a word of the name: "WCAG 2.2 AA" is not
mentioned by "WCAG 2.1 AA", nor "ISO 27001" by "ISO 9001".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.text.words import stem, words

MAX_RUN_WORDS = 6  # the longest name compared as words side by side; "WCAG 2.2 Level AA" is five
_NUMERONYM = re.compile(r"(?P<first>[a-z])(?P<count>\d{1,2})(?P<last>[a-z])")


@dataclass(frozen=True, slots=True)
class Evidence:
    """The words of some texts, and every run of up to MAX_RUN_WORDS of them, squeezed together."""

    runs: frozenset[str]
    words: frozenset[str]

    @classmethod
    def of(cls, texts: list[str]) -> Evidence:
        """Read the texts (each apart: no run spans two of them)."""
        runs: set[str] = set()
        seen: set[str] = set()
        for text in texts:
            stems = [stem(word) for word in words(text)]
            seen.update(words(text))
            for start in range(len(stems)):
                for end in range(start + 1, min(start + MAX_RUN_WORDS, len(stems)) + 1):
                    runs.add("".join(stems[start:end]))
        return cls(frozenset(runs), frozenset(seen))

    def mentions(self, term: str) -> bool:
        """Whether the texts name `term`: its words side by side, or the word its numeronym shortens."""
        key = squeezed(term)
        if key and key in self.runs:
            return True
        short = _NUMERONYM.fullmatch(term.casefold())
        return short is not None and any(_shortens(short, word) for word in self.words)


def squeezed(term: str) -> str:
    """The term's word stems joined without spaces: "Argo CD", "ArgoCD" and "argocd" are one."""
    return "".join(stem(word) for word in words(term))


def _shortens(numeronym: re.Match[str], word: str) -> bool:
    return (
        len(word) == int(numeronym["count"]) + 2
        and word.startswith(numeronym["first"])
        and word.endswith(numeronym["last"])
    )
