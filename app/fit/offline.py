"""The assessment without a language model: which of the job's terms the resume mentions.

It is a keyword overlap, and says so in the verdict and the recommendation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import pairwise

from app.fit.assessment import FitAssessment
from app.fit.evidence import Evidence
from app.fit.terms import job_terms
from app.resume.profile import Profile
from app.resume.sections import lists_skill_gaps, names_what_is_missing
from app.retrieval.types import Passage
from app.text.words import STOP_WORDS, stem, words

LABEL = "Keyword overlap (offline, no language model)"
_LISTED = "(listed among the resume's gaps)"
MAX_TERMS = 8
MAX_LOOK_UPS = 8  # searches for terms the requirement passages did not mention
# A known gap is a line of the resume: kept whole up to here, within the answer's line limit.
MAX_GAP_CHARS = 200
MIN_TERMS_TO_RATE = 3  # matches and gaps together: fewer rate no overlap


def offline_assessment(
    job_description: str,
    passages: Sequence[Passage],
    profile: Profile | None,
    look_up: Callable[[str], list[Passage]] | None = None,
) -> FitAssessment:
    """Compare the job's distinctive terms with the words of the resume passages and profile skills.

    A term the passages do not mention is searched for on its own with `look_up` (at most
    MAX_LOOK_UPS of them): the passages are those found for the job's requirements, not the
    whole resume, and "not found in the resume" must mean what it says.
    """
    resume = _evidence(passages, _skills(profile))
    terms = job_terms(job_description, known={name.casefold(): name for name in _skills(profile)})
    mentioned = {t for t in terms if resume.mentions(t)}
    if look_up is not None:
        unsure = [t for t in terms if t not in mentioned][:MAX_LOOK_UPS]
        mentioned |= {t for t in unsure if _evidence(look_up(t), []).mentions(t)}
    matched = [t for t in terms if t in mentioned]
    known_gaps = [_shortened(g) for g in (profile.skills.gaps if profile else []) if _names_gap(job_description, g)]
    gaps = _gap_lines(terms, mentioned, known_gaps, passages, profile)
    found = f"{len(matched)} of the job's {_counted(len(terms), 'key term')} {_agreeing(len(matched))} in the resume"
    if not terms and not known_gaps:
        found = "the job description names no skills or tools to compare"
    return FitAssessment(
        verdict=f"{LABEL}: {_level(len(matched), len(gaps))} — {found}.",
        key_matches=[f"{t} (mentioned in the resume)" for t in matched[:MAX_TERMS]],
        gaps=gaps[:MAX_TERMS],
        recommendation="No language model is configured, so this compares words, not experience: "
        "read it as a pointer to what to ask, not as an assessment.",
    )


def _gap_lines(
    terms: list[str], mentioned: set[str], known_gaps: list[str], passages: Sequence[Passage], profile: Profile | None
) -> list[str]:
    """One line per gap: the resume's own known gaps the job names, then the terms it does not mention."""
    # A term a known gap shown already names is not a gap twice ("Java and Spring", "Java").
    shown = Evidence.of(known_gaps)
    missing = [t for t in terms if t not in mentioned and not shown.mentions(t)]  # the 9th match is no gap
    # A term the resume's own gaps list names is no unknown: say where the resume says so.
    # The gaps list as the profile names it and as its frame explains it ("Cloud: no AWS or Azure").
    gap_texts = [*(profile.skills.gaps if profile else []), *(p.text for p in passages if lists_skill_gaps(p.title))]
    listed = Evidence.of(gap_texts)
    lines = [*((g, f"{g} {_LISTED}") for g in known_gaps), *((t, _unfound(t, listed)) for t in missing)]
    first: dict[str, str] = {}
    for term, line in lines:
        first.setdefault(term.casefold(), line)  # "COBOL" and "Cobol" are one gap
    return list(first.values())


def _names(text: str, name: str) -> bool:
    """Whether `text` names `name` as a word of its own ("Rust" is not in "trustworthy")."""
    return re.search(rf"(?<![\w+#.]){re.escape(name)}(?![\w+#])", text, re.IGNORECASE) is not None


def _names_gap(job_description: str, gap: str) -> bool:
    """Whether the job names a gap of the resume: all of it, or two of its words side by side.

    A gap is the resume's own line ("Industrial three-phase motors"): the job asks for it in its
    own words ("three-phase experience desirable"), not necessarily in the resume's.
    """
    return _names(job_description, gap) or bool(_word_pairs(gap) & _word_pairs(job_description))


def _word_pairs(text: str) -> set[tuple[str, str]]:
    stems = [stem(word) for word in words(text) if word not in STOP_WORDS]
    return set(pairwise(stems))


def _unfound(term: str, listed: Evidence) -> str:
    return f"{term} {_LISTED if listed.mentions(term) else '(not found in the resume)'}"


def _evidence(passages: Sequence[Passage], skills: list[str]) -> Evidence:
    # What the candidate lacks (the gaps, the fit examples' gaps) is no evidence of a skill:
    # "No PCI DSS experience" must not count as a mention of PCI DSS.
    return Evidence.of([*(f"{p.title}\n{p.text}" for p in passages if not names_what_is_missing(p.title)), *skills])


def _skills(profile: Profile | None) -> list[str]:
    return [*profile.skills.strong, *profile.skills.moderate] if profile else []


def _shortened(line: str) -> str:
    return line if len(line) <= MAX_GAP_CHARS else line[: MAX_GAP_CHARS - 1].rstrip() + "…"


def _level(matched: int, gaps: int) -> str:
    if 0 < matched + gaps < MIN_TERMS_TO_RATE:
        # One name of one is no "strong overlap": the words the job names are too few to say.
        return "too few terms to rate the overlap"
    share = matched / (matched + gaps) if matched + gaps else 0.0
    if share >= 0.7:
        return "strong overlap"
    if share >= 0.4:
        return "partial overlap"
    return "little overlap"


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _agreeing(count: int) -> str:
    return "appears" if count == 1 else "appear"
