"""A question naming the candidate is searched for and quoted from as one about "the candidate"."""

from __future__ import annotations

import pytest

from app.text.candidate_name import about_the_candidate


@pytest.mark.parametrize(
    ("question", "name", "read_as"),
    [
        ("Has Elena Marsh used Terraform?", "Elena Marsh", "Has the candidate used Terraform?"),
        ("What is Elena's notice period?", "Elena Marsh", "What is the candidate's notice period?"),
        ("Did Marsh lead a team?", "Elena Marsh", "Did the candidate lead a team?"),
        ("Has Jean-Luc Picard used Go?", "Jean-Luc Picard", "Has the candidate used Go?"),
        ("Has Will Rose led teams?", "Will Rose", "Has the candidate led teams?"),
        # A name word that is a common word is replaced only inside the name.
        ("Will she relocate?", "Will Rose", "Will she relocate?"),
        ("Has she worked at Marshall?", "Elena Marsh", "Has she worked at Marshall?"),
        ("Has she used Terraform?", "Elena Marsh", "Has she used Terraform?"),
        ("Has Elena used Terraform?", "", "Has Elena used Terraform?"),  # no profile, no name
        # Typed all in lower case, the name is hers in any case; its common words still are not.
        ("whos tariq", "Tariq Aziz", "whos the candidate"),
        ("has elena marsh used terraform", "Elena Marsh", "has the candidate used terraform"),
        ("will she relocate", "Will Rose", "will she relocate"),
        ("Has elena used Terraform?", "Elena Marsh", "Has elena used Terraform?"),  # capitals elsewhere: as written
    ],
)
def test_the_name_reads_as_the_candidate(question, name, read_as):
    assert about_the_candidate(question, name) == read_as


@pytest.mark.parametrize(
    "question",
    [
        "Which curricula has Siobhan taught?",
        "Which curricula has Siobha\u0301n taught?",
        "What has O'Neill-Dvorak taught?",
    ],
)
def test_the_name_typed_without_its_accents_or_decomposed_is_still_the_candidate(question):
    assert "the candidate" in about_the_candidate(question, "Siobh\u00e1n O'Neill-Dvo\u0159\u00e1k")
