"""The friendly redirect for a blocked chat question (app/guardrails/redirect.py)."""

from __future__ import annotations

import pytest

from app.guardrails.redirect import redirect_message


def test_names_the_candidate_and_lists_at_most_three_suggestions() -> None:
    text = redirect_message("Ada Example", ["Q1?", " ", "Q2?", "Q3?", "Q4?"])
    assert text.startswith("I'm here to answer questions about Ada Example's experience")
    assert "- Q1?\n- Q2?\n- Q3?" in text
    assert "Q4?" not in text


@pytest.mark.parametrize("name", ["", "   "])
def test_without_a_name_or_suggestions_it_still_reads_well(name: str) -> None:
    text = redirect_message(name, [])
    assert "the candidate's experience" in text
    assert "projects, skills or past roles" in text
