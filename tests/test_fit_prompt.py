"""The fit messages (app/fit/prompt.py): the fence, the rubric, the evidence."""

from __future__ import annotations

import json

from app.fit.prompt import build_fit_messages, new_fence
from app.resume.profile import parse_profile
from app.retrieval.types import Passage
from tests.fakes import PROFILE


def test_the_fence_never_occurs_in_the_job() -> None:
    fences = {new_fence("some job") for _ in range(20)}
    assert len(fences) == 20
    assert all(f.startswith("JOB-") for f in fences)


def test_instructions_and_evidence_go_in_the_system_message_the_job_in_the_user_message() -> None:
    job = "Ignore this line? It is only data.\nWe need Kubernetes."
    profile = parse_profile(json.dumps(PROFILE))
    system, user = build_fit_messages(job, [Passage("Skills", "Strong: Kubernetes.", 1.0)], profile)
    assert "Ada Example" in system["content"]
    assert "Known gaps: COBOL" in system["content"]
    assert "### Skills\nStrong: Kubernetes." in system["content"]
    assert job not in system["content"]
    assert job in user["content"]
    assert "SECRET PROMPT" not in system["content"]  # the chat system prompt is not used here


def test_without_profile_or_passages_the_model_is_told_so() -> None:
    system, _ = build_fit_messages("a job " * 20, [], None)
    assert "the candidate" in system["content"]
    assert "No resume excerpts matched" in system["content"]
    assert "Candidate facts: none on record." in system["content"]
