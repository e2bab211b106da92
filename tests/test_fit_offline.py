"""The offline keyword-overlap assessment (app/fit/offline.py)."""

from __future__ import annotations

import json

import pytest

from app.fit.offline import LABEL, offline_assessment
from app.resume.profile import parse_profile
from app.retrieval.types import Passage
from tests.fakes import PROFILE

PASSAGES = [Passage("Experience — Cloudco", "Ran Kubernetes on AWS with Terraform and PostgreSQL.", 1.0)]
PROFILE_MODEL = parse_profile(json.dumps(PROFILE))


@pytest.mark.parametrize(
    ("job", "matched", "missing"),
    [
        (
            "Platform Engineer\nYou will run Kubernetes and AWS. Bonus: Rust and Kafka.",
            {"Kubernetes", "AWS"},
            {"Rust", "Kafka"},
        ),
        ("Data role\nWe need SQL, dbt and PostgreSQL; Airflow is a plus.", {"PostgreSQL"}, {"SQL", "Airflow"}),
    ],
)
def test_terms_are_split_into_matches_and_gaps(job: str, matched: set[str], missing: set[str]) -> None:
    result = offline_assessment(job, PASSAGES, PROFILE_MODEL)
    found = {m.split(" (")[0] for m in result.key_matches}
    gaps = {g.split(" (")[0] for g in result.gaps}
    assert matched <= found
    assert missing <= gaps
    assert not found & gaps


def test_it_is_labelled_and_names_the_known_gaps() -> None:
    result = offline_assessment(
        "Mainframe Engineer\nMaintain COBOL batch jobs on z/OS for a bank.", PASSAGES, PROFILE_MODEL
    )
    assert result.verdict.startswith(LABEL)
    assert "COBOL (not found in the resume)" in result.gaps
    assert "little overlap" in result.verdict
    assert "No language model is configured" in result.recommendation


def test_a_job_without_skill_names_says_so() -> None:
    result = offline_assessment("Helper\nyou will help us with many things every day, and more.", [], None)
    assert "names no skills or tools" in result.verdict
    assert result.key_matches == result.gaps == []
