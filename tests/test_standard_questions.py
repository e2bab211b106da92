"""A question asking how to reach the candidate, where they live, where they have worked or why
they are leaving gets the profile, the work-history overview or the FAQ entry that says why among
its passages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.resume.parser import PROFILE_TITLE
from app.retrieval.hybrid import hybrid_search
from app.retrieval.standard_questions import ASKED_FRAME_PLACE, frames_asked_for, with_the_frames_asked_for
from app.retrieval.types import Passage
from app.text.words import words
from tests.blind_questions import read_by_kind
from tests.fakes import FakeMemvid

PROFILE = Passage(title=PROFILE_TITLE, text="Email: a@example.com\nLocation: Leeds", score=1.0)
HISTORY = Passage(title="Experience", text="Work history, most recent first:\n- Acme \u2014 Buyer", score=1.0)
OTHERS = [Passage(title=f"Acme \u2014 Job {n}", text=f"Did thing {n}.", score=1.0) for n in range(1, 7)]


# The frames these tests are about; a question asking for another (her current job, her strengths,
# who she is, her experience in all: tests of their own) asks for none of these.
_FRAMES = ("profile", "work history", "reason to leave")


def _asked(question: str) -> str | None:
    # Retrieval reads a question as its case-folded words ("she's" is "she s").
    asked = frames_asked_for(" ".join(words(question)))
    return asked[0].name if len(asked) == 1 and asked[0].name in _FRAMES else None


@pytest.mark.parametrize(
    "question",
    [
        "Where has she worked?",
        "Which companies has he worked for?",
        "What organisations has she been employed by?",
        "Give me a list of her previous employers.",
        "Walk me through his employment history.",
        "How many companies has she worked at?",
        "Who has employed them?",
        "Which firms did she work at before?",
        "What jobs has he held?",
        "Tell me about her past roles.",
    ],
)
def test_questions_about_every_employer_ask_for_the_work_history(question: str) -> None:
    assert _asked(question) == "work history"


@pytest.mark.parametrize(
    "question",
    [
        "How can I contact her?",
        "What's the best way to reach him?",
        "How do we get in touch with the candidate?",
        "What is her email?",
        "Can I have his phone number?",
        "Share her contact details.",
        "Where does she live?",
        "Where's he based?",
        "Where is the candidate located?",
        "Which country is she in?",
        "What town does he live in?",
    ],
)
def test_questions_about_reaching_or_finding_the_candidate_ask_for_the_profile(question: str) -> None:
    assert _asked(question) == "profile"


@pytest.mark.parametrize(
    "question",
    [
        "Why is he on the market?",
        "What are her reasons for leaving?",
        "Why does she want a change?",
        "Why is she job hunting?",
        "What's prompting him to move?",
        "Why are they looking for another position?",
    ],
)
def test_questions_about_why_the_candidate_is_leaving_ask_for_the_reason(question: str) -> None:
    assert _asked(question) == "reason to leave"


@pytest.mark.parametrize(
    "question",
    [
        "Why did she move to Leeds?",
        "Why did she change the rota?",
        "Why is she looking at data science?",
        "What made her choose nursing?",
        "How long does she need to give her current employer before leaving?",
        "Is she on leave?",
        "Which companies did she sell to?",  # customers, not employers
        "Where did she study?",
        "Which city did she open a store in?",
        "Has she worked with Salesforce?",
        "What roles is she looking for?",
        "Did she reach her sales targets?",
        "Would she relocate to Berlin?",
        "Where did she lead the ERP migration?",
        "How many people work for her?",
        "Has she contacted regulators about incidents?",
        "How long has she worked in logistics?",
    ],
)
def test_other_questions_ask_for_neither(question: str) -> None:
    assert _asked(question) is None


def test_the_frame_asked_for_found_further_down_takes_its_place_among_the_given() -> None:
    ranked = [*OTHERS, PROFILE, HISTORY]

    chosen = with_the_frames_asked_for(frames_asked_for("how can i reach her"), ranked[:5], ranked, top_k=5)
    assert chosen[ASKED_FRAME_PLACE - 1] == PROFILE
    assert [p for p in chosen if p != PROFILE] == OTHERS[:4]

    chosen = with_the_frames_asked_for(frames_asked_for("where has she worked"), ranked[:5], ranked, top_k=5)
    assert chosen[ASKED_FRAME_PLACE - 1] == HISTORY
    assert len(chosen) == 5


def test_nothing_moves_for_another_question_or_when_the_frame_is_given_or_not_found() -> None:
    ranked = [*OTHERS, PROFILE]
    assert with_the_frames_asked_for(frames_asked_for("did she study law"), ranked[:5], ranked, top_k=5) == OTHERS[:5]
    given = [OTHERS[0], PROFILE, *OTHERS[1:4]]
    assert (
        with_the_frames_asked_for(frames_asked_for("where does she live"), given, [*given, *OTHERS[4:]], top_k=5)
        == given
    )
    assert (
        with_the_frames_asked_for(frames_asked_for("where has she worked"), ranked[:5], ranked, top_k=5) == OTHERS[:5]
    )
    assert with_the_frames_asked_for(frames_asked_for("where does she live"), [PROFILE], [PROFILE], top_k=1) == [
        PROFILE
    ]


def test_a_part_of_a_long_work_history_counts_as_the_work_history() -> None:
    part = Passage(title="EXPERIENCE (part 2 of 3)", text="- Acme \u2014 Buyer", score=1.0)
    given = [*OTHERS[:4], part]
    assert (
        with_the_frames_asked_for(frames_asked_for("which companies has she worked for"), given, [*given, HISTORY], 5)
        == given
    )


def test_the_search_gives_the_profile_to_a_question_about_reaching_the_candidate_only() -> None:
    def titles(question: str) -> list[str]:
        found = hybrid_search(FakeMemvid(passages=[*OTHERS, PROFILE]), question, top_k=5, snippet_chars=200)
        return [p.title for p in found.passages]

    assert titles("How do I get hold of her?")[ASKED_FRAME_PLACE - 1] == PROFILE_TITLE
    assert PROFILE_TITLE not in titles("Did she hold a forklift licence?")


class _ProfileUnrankedBackend(FakeMemvid):
    """An engine whose searches never rank the profile, but which finds it by its title's words."""

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        return [PROFILE] if query.casefold() == PROFILE_TITLE.casefold() else OTHERS[:top_k]


def test_a_frame_neither_search_ranks_is_looked_up_in_the_same_round_trip() -> None:
    found = hybrid_search(_ProfileUnrankedBackend(), "What city does she call home?", top_k=5, snippet_chars=200)

    assert found.passages[ASKED_FRAME_PLACE - 1].title == PROFILE_TITLE
    scores = [passage.score for passage in found.passages]
    assert scores == sorted(scores, reverse=True)  # the score of the place it takes: sources stay best first
    assert scores[ASKED_FRAME_PLACE - 1] == scores[ASKED_FRAME_PLACE] > 0  # ranked by neither search
    assert len(found.passages) == 5


class _ReasonUnrankedBackend(FakeMemvid):
    """An engine whose searches never rank an FAQ entry titled "Reason for leaving", which its words find."""

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        self.queries.append(query)
        return [REASON] if query == "reason for leaving" else OTHERS[:top_k]


REASON = Passage(title="Reason for leaving", text="Her contract ends in March.", score=1.0)


def test_an_faq_entry_on_why_she_leaves_not_titled_why_is_looked_up_by_its_words() -> None:
    backend = _ReasonUnrankedBackend()

    found = hybrid_search(backend, "Why is she leaving her job?", top_k=5, snippet_chars=200)

    assert found.passages[ASKED_FRAME_PLACE - 1] == replace(REASON, score=found.passages[ASKED_FRAME_PLACE].score)
    assert {"why", "reason for leaving"} <= set(backend.queries)


def test_the_faq_entry_whose_title_asks_why_she_leaves_is_the_reason_to_leave() -> None:
    entry = Passage(title="Why is he hoping to move on from Acme?", text="His role ends in March.", score=1.0)
    other = Passage(title="Why does he enjoy logistics?", text="He likes puzzles.", score=1.0)
    ranked = [*OTHERS[:2], other, *OTHERS[2:], entry]

    chosen = with_the_frames_asked_for(frames_asked_for("why is he looking to leave"), ranked[:5], ranked, top_k=5)

    assert chosen[ASKED_FRAME_PLACE - 1] == entry
    assert chosen[ASKED_FRAME_PLACE] == other  # a title asking why, not why he leaves


_ASKS = {
    "contact": "profile",
    "home": "profile",
    "employers": "work history",
    "leaving": "reason to leave",
    "none": None,
}


@pytest.mark.parametrize(
    ("file", "at_least", "left_alone"),
    # Floors a question or two under the figures measured (see each file's header).
    [("standard_questions_tuning.yaml", 0.95, 0.98), ("standard_questions_held_out.yaml", 0.80, 0.95)],
)
def test_blind_writers_questions_are_read_as_asking_for_the_right_frame(
    file: str, at_least: float, left_alone: float
) -> None:
    read = read_by_kind(file, _asked, _ASKS)

    assert set(read) == set(_ASKS)
    assert all(count >= 20 for _, count in read.values())
    asking = [read[kind] for kind in _ASKS if kind != "none"]
    assert sum(hits for hits, _ in asking) / sum(count for _, count in asking) >= at_least
    hits, count = read["none"]
    assert hits / count >= left_alone
