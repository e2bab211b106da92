"""A short question that points back is searched together with the question it follows."""

from __future__ import annotations

import pytest

from app.chat.follow_up import is_follow_up, search_text
from app.chat.turn import WITHHELD_QUESTION
from app.llm.types import ChatMessage
from tests.sse_client import events

HISTORY: list[ChatMessage] = [
    {"role": "user", "content": "Tell me about her grants."},
    {"role": "assistant", "content": "She holds two."},
]


@pytest.mark.parametrize(
    "question",
    ["Which one is the largest?", "When does it end?", "How did they rate it?",
     "And before that?", "What about Python?", "What did she do there?", "how long did that take",
     "How much did he buy there each year?"],
)  # fmt: skip
def test_a_short_question_pointing_back_follows(question: str) -> None:
    assert is_follow_up(question)
    assert search_text(question, HISTORY, withheld=WITHHELD_QUESTION) == f"Tell me about her grants. {question}"


@pytest.mark.parametrize(
    "question",
    ["Which languages does she speak?", "Is there a gap in her CV?", "Isn't there a licence missing?",
     "Were there any complaints about her?", "Does this role suit her?", "Where is she based?",
     "Has she led a team that shipped a product used by millions of people in retail?", "", "?!"],
)  # fmt: skip
def test_a_question_that_stands_alone_is_searched_as_asked(question: str) -> None:
    assert not is_follow_up(question)
    assert search_text(question, HISTORY, withheld=WITHHELD_QUESTION) == question


def test_a_longer_question_ending_in_there_follows() -> None:
    question = "Did she spend any time abroad while she was there?"  # nine words (blind audit)

    assert search_text(question, HISTORY, withheld=WITHHELD_QUESTION) == f"Tell me about her grants. {question}"


def test_a_follow_up_of_a_follow_up_is_searched_after_the_question_they_both_follow() -> None:
    # "What did he do before that?" was searched after "How much did he buy there each year?"
    # alone, and the hotel both leaned on was lost (blind audit).
    history: list[ChatMessage] = [
        {"role": "user", "content": "Tell me about his time at the hotel."},
        {"role": "assistant", "content": "He ran its banquets."},
        {"role": "user", "content": "How much did he buy there each year?"},
        {"role": "assistant", "content": "About $2 million."},
    ]

    searched = search_text("What did he do before that?", history, withheld=WITHHELD_QUESTION)
    fresh = search_text("Where is he based?", history, withheld=WITHHELD_QUESTION)

    assert searched == (
        "Tell me about his time at the hotel. How much did he buy there each year? What did he do before that?"
    )
    assert fresh == "Where is he based?"


def test_nothing_to_follow_without_a_previous_question_or_after_a_withheld_one() -> None:
    withheld: list[ChatMessage] = [*HISTORY, {"role": "user", "content": WITHHELD_QUESTION}]

    assert search_text("And before that?", [], withheld=WITHHELD_QUESTION) == "And before that?"
    assert search_text("And before that?", withheld, withheld=WITHHELD_QUESTION) == "And before that?"


def test_through_chat_the_follow_up_is_searched_with_its_question_and_sent_as_asked(
    client, fake_memvid, scripted_answerer
):
    first = events(client.post("/api/v1/chat", json={"message": "Tell me about her Terraform work."}).get_data())
    sid = first[0]["session_id"]

    searched_before = len(fake_memvid.queries)
    client.post("/api/v1/chat", json={"message": "When did she start with it?", "session_id": sid}).get_data()

    follow_up_queries = " ".join(fake_memvid.queries[searched_before:]).casefold()
    assert "terraform" in follow_up_queries
    assert "start" in follow_up_queries
    request = scripted_answerer.requests[-1]
    assert "Terraform" in request.question  # what the offline answerer would quote from
    assert request.messages[-1] == {"role": "user", "content": "When did she start with it?"}
