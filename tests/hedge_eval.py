"""Measure how often the offline answer hedges, on tests/hedge_questions.yaml.

    uv run python -m tests.hedge_eval              # tuning part only, with its misses
    uv run python -m tests.hedge_eval --held-out   # both parts' figures (read once, at the end)

hedged: the answer says first that the resume may not answer (CLOSEST_ONLY, NOT_STATED) or found
nothing.
Wanted on unanswerable questions; on answerable ones it is a false hedge. fact: the answerable
answers that still quote their `fact`.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import structlog
import yaml

from app.config import EXAMPLE_RESUME
from app.llm.offline import MAY_NOT_ANSWER, NO_PASSAGES, NOTHING_FOUND, compose_answer
from app.llm.types import AnswerRequest
from app.retrieval.retriever import ResumeRetriever
from app.text.candidate_name import about_the_candidate
from tests.retrieval_eval import FOURTH_RESUME, TOP_K, engine

HERE = Path(__file__).parent
RESUMES = {"example": EXAMPLE_RESUME, "fourth": FOURTH_RESUME}
HEDGES = (MAY_NOT_ANSWER, NOTHING_FOUND, NO_PASSAGES)


@dataclass(frozen=True)
class Case:
    resume: str
    part: str
    answerable: bool
    question: str
    fact: str | None


@dataclass(frozen=True)
class Figures:
    hedged: int  # unanswerable questions hedged
    unanswerable: int
    false_hedges: int  # answerable questions hedged
    with_fact: int  # answerable answers quoting the fact
    answerable: int
    misses: tuple[str, ...]
    seconds: float  # compose_answer time, all questions of the part


def cases() -> list[Case]:
    """Return the labelled questions."""
    items = yaml.safe_load((HERE / "hedge_questions.yaml").read_text(encoding="utf-8"))
    return [Case(i["resume"], i["part"], i["answerable"], i["question"], i.get("fact")) for i in items]


def requests(chosen: list[Case]) -> list[AnswerRequest]:
    """Retrieve for each case as the chat turn does, and return the offline answerer's requests."""
    built: dict[Case, AnswerRequest] = {}
    for name, resume in RESUMES.items():
        with engine(resume) as backend:
            retriever = ResumeRetriever(backend, top_k=TOP_K, profile_ttl=0, health_ttl=0)
            profile = retriever.profile()
            for case in (c for c in chosen if c.resume == name):
                asked = about_the_candidate(case.question, profile.name if profile else "")
                found = retriever.retrieve(asked)
                built[case] = AnswerRequest(
                    messages=[], question=asked, passages=found.passages, searched_words=found.searched_words
                )
    return [built[case] for case in chosen]


def score(chosen: list[Case], asked: list[AnswerRequest]) -> Figures:
    """Answer each request offline and count hedges and quoted facts."""
    hedged = false_hedges = with_fact = 0
    misses: list[str] = []
    started = time.perf_counter()
    answers = [compose_answer(request) for request in asked]
    seconds = time.perf_counter() - started
    for case, answer in zip(chosen, answers, strict=True):
        hedges = any(hedge in answer for hedge in HEDGES)
        if not case.answerable:
            hedged += hedges
            if not hedges:
                misses.append(f"[{case.resume}] not hedged: {case.question}")
            continue
        false_hedges += hedges
        quoted = bool(case.fact) and str(case.fact).casefold() in answer.casefold()
        with_fact += quoted
        if hedges or not quoted:
            misses.append(
                f"[{case.resume}] {'hedged' if hedges else ''} {'' if quoted else 'no fact'}: {case.question}"
            )
    unanswerable = sum(not c.answerable for c in chosen)
    return Figures(hedged, unanswerable, false_hedges, with_fact, len(chosen) - unanswerable, tuple(misses), seconds)


def measure(parts: tuple[str, ...] = ("tuning",)) -> dict[str, Figures]:
    """Return the figures of each part asked for ("tuning", "held-out")."""
    chosen = [case for case in cases() if case.part in parts]
    asked = dict(zip(chosen, requests(chosen), strict=True))
    return {
        part: score([c for c in chosen if c.part == part], [asked[c] for c in chosen if c.part == part])
        for part in parts
    }


def line(part: str, figures: Figures) -> str:
    """One line of figures."""
    f = figures
    return (
        f"{part}: hedged {f.hedged}/{f.unanswerable} unanswerable, false hedges {f.false_hedges}/{f.answerable}"
        f" answerable, fact quoted {f.with_fact}/{f.answerable}, compose_answer"
        f" {1000 * f.seconds / (f.unanswerable + f.answerable):.1f} ms a question"
    )


if __name__ == "__main__":
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    figures = measure(("tuning", "held-out") if "--held-out" in sys.argv else ("tuning",))
    print("\n".join(figures["tuning"].misses))  # the held-out part's misses are never printed
    for part, result in figures.items():
        print(line(part, result))
