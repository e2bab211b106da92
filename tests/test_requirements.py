"""Several searches per job description (app/fit/requirements.py)."""

from __future__ import annotations

from app.fit.requirements import MAX_PASSAGES, MAX_SEARCHES, gather_passages, requirement_queries
from app.retrieval.types import Passage

JOB = """Backend Engineer
About us: we sell shoes online.
Requirements:
- Python and Django in production
- PostgreSQL performance tuning
Nice to have: Kafka streaming experience.
ok
"""


def test_each_requirement_is_its_own_search_requirements_first() -> None:
    assert requirement_queries(JOB) == [
        "Python and Django in production",
        "PostgreSQL performance tuning",
        "Nice to have: Kafka streaming experience.",
        "Backend Engineer",
        "About us: we sell shoes online.",
    ]  # "ok" and "Requirements:" have too few content words to search


def test_a_long_job_is_capped_at_max_searches() -> None:
    job = "\n".join(f"- Skill number {n} with tool{n}" for n in range(30))
    assert len(requirement_queries(job)) == MAX_SEARCHES


def test_passages_found_by_more_searches_rank_first_and_are_not_repeated() -> None:
    a, b, c = (Passage(title, "text", 1.0) for title in "abc")
    results = {"q1": [a, b], "q2": [c, b], "q3": [b]}

    merged = gather_passages(["q1", "q2", "q3"], lambda q: results[q])

    assert [p.title for p in merged] == ["b", "a", "c"]


def test_at_most_max_passages_are_kept() -> None:
    many = [Passage(str(n), "text", 1.0) for n in range(20)]
    assert len(gather_passages(["q"], lambda q: many)) == MAX_PASSAGES
