"""The assessment without a language model: which of the job's terms the resume mentions.

It is a keyword overlap, and says so in the verdict and the recommendation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from app.fit.assessment import FitAssessment
from app.resume.profile import Profile
from app.resume.sections import lists_skill_gaps, names_what_is_missing
from app.retrieval.types import Passage
from app.text.words import STOP_WORDS, content_stems

LABEL = "Keyword overlap (offline, no language model)"
_LISTED = "(listed among the resume's gaps)"
MAX_TERMS = 8
MAX_LOOK_UPS = 8  # searches for terms the requirement passages did not mention
# Longer "terms" are links or slash-joined lists, not names of skills ("Kubernetes" is 10).
MAX_TERM_CHARS = 40
# A known gap is a line of the resume: kept whole up to here, within the answer's line limit.
MAX_GAP_CHARS = 200
# Words every job description uses that say nothing about a skill.
_JOB_WORDS = frozenset(
    """
    ability able about apply benefits bonus build building company culture day days description
    developer developers engineer engineers engineering environment etc excellent growing head
    help hiring ideal including join junior lead looking love made make manager mission nice
    offer opportunity plus preferred principal remote required requirements responsibilities
    responsible role salary senior staff start strong team teams title understanding want work
    working world year years
    """.split()
)
# Latin letters and digits only: another script (Chinese, Japanese…) separates terms, so
# "AWS上运行Kubernetes集群" holds two, not one.
_TERM = re.compile(r"[A-Za-z][A-Za-z0-9_.+#/-]*[A-Za-z0-9_+#]|[A-Za-z]")
_SENTENCE_START = re.compile(r"(^|[\n.!?•*-])\s*$")
_WEB_ADDRESS = re.compile(r"[\w-]+(?:\.[\w-]+)+/")  # "careers.example.com/jobs": where to apply, not a skill


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
    terms = _job_terms(job_description, known={name.casefold() for name in _skills(profile)})
    mentioned = {t for t in terms if _mentioned(t, resume)}
    if look_up is not None:
        unsure = [t for t in terms if t not in mentioned][:MAX_LOOK_UPS]
        mentioned |= {t for t in unsure if _mentioned(t, _evidence(look_up(t), []))}
    matched = [t for t in terms if t in mentioned]
    missing = [t for t in terms if t not in mentioned]  # from all matches: the 9th is no gap
    known_gaps = [_shortened(g) for g in (profile.skills.gaps if profile else []) if _names(job_description, g)]
    # A term the resume's own gaps list names is no unknown: say where the resume says so.
    # The gaps list as the profile names it and as its frame explains it ("Cloud: no AWS or Azure").
    gap_texts = [*(profile.skills.gaps if profile else []), *(p.text for p in passages if lists_skill_gaps(p.title))]
    listed = content_stems(" ".join(gap_texts))
    lines = [*((g, f"{g} {_LISTED}") for g in known_gaps), *((t, _unfound(t, listed)) for t in missing)]
    first: dict[str, str] = {}
    for term, line in lines:
        first.setdefault(term.casefold(), line)  # "COBOL" and "Cobol" are one gap
    gaps = list(first.values())
    found = f"{len(matched)} of the job's {len(terms)} key terms appear in the resume"
    if not terms and not known_gaps:
        found = "the job description names no skills or tools to compare"
    return FitAssessment(
        verdict=f"{LABEL}: {_level(len(matched), len(gaps))} — {found}.",
        key_matches=[f"{t} (mentioned in the resume)" for t in matched[:MAX_TERMS]],
        gaps=gaps[:MAX_TERMS],
        recommendation="No language model is configured, so this compares words, not experience: "
        "read it as a pointer to what to ask, not as an assessment.",
    )


def _names(text: str, name: str) -> bool:
    """Whether `text` names `name` as a word of its own ("Rust" is not in "trustworthy")."""
    return re.search(rf"(?<![\w+#.]){re.escape(name)}(?![\w+#])", text, re.IGNORECASE) is not None


def _unfound(term: str, listed: frozenset[str]) -> str:
    return f"{term} {_LISTED if _mentioned(term, listed) else '(not found in the resume)'}"


def _evidence(passages: Sequence[Passage], skills: list[str]) -> frozenset[str]:
    # What the candidate lacks (the gaps, the fit examples' gaps) is no evidence of a skill:
    # "No PCI DSS experience" must not count as a mention of PCI DSS.
    texts = [f"{p.title} {p.text}" for p in passages if not names_what_is_missing(p.title)]
    return content_stems(" ".join([*texts, *skills]))


def _mentioned(term: str, evidence: frozenset[str]) -> bool:
    stems = content_stems(term)
    return bool(stems) and stems <= evidence


def _skills(profile: Profile | None) -> list[str]:
    return [*profile.skills.strong, *profile.skills.moderate] if profile else []


def _job_terms(job_description: str, known: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The job's terms that look like names of skills or tools, most frequent first.

    A term is a word written like a name (capitalised inside a sentence: Kubernetes) or like
    a tool (AWS, PostgreSQL, C++, CI/CD, Node.js, k8s), or one of the candidate's `known`
    skills however it is written ("grafana"); other plain words say too little offline.
    """
    counts: Counter[str] = Counter()
    first_form: dict[str, str] = {}
    # A short first line is the job title: its words are capitalised, not names of skills.
    title, _, body = job_description.strip().partition("\n")
    text = body if body and len(title) <= 80 else job_description
    for match in _TERM.finditer(text):
        word = match.group().strip(".-/")
        key = word.casefold()
        counts[key] += 1
        if not 2 <= len(key) <= MAX_TERM_CHARS or key in STOP_WORDS or key in _JOB_WORDS or not content_stems(word):
            continue
        if _WEB_ADDRESS.match(word):
            continue
        tool_like = any(c.isupper() or c.isdigit() for c in word[1:]) or any(c in word for c in "+#./")
        name_like = word[0].isupper() and not _SENTENCE_START.search(text[: match.start()][-3:])
        if tool_like or name_like or key in known:
            first_form.setdefault(key, word)
    return sorted(first_form.values(), key=lambda w: -counts[w.casefold()])


def _shortened(line: str) -> str:
    return line if len(line) <= MAX_GAP_CHARS else line[: MAX_GAP_CHARS - 1].rstrip() + "…"


def _level(matched: int, gaps: int) -> str:
    share = matched / (matched + gaps) if matched + gaps else 0.0
    if share >= 0.7:
        return "strong overlap"
    if share >= 0.4:
        return "partial overlap"
    return "little overlap"
