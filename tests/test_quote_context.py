"""The lists a quoted lead announces, and how many of their items an answer leaves out."""

from __future__ import annotations

from app.llm.quote_context import with_announced_lists
from app.text.sentences import split_sentences

ITEMS = [f"- Employer number {n} with a note about the work done there" for n in range(8)]
SENTENCES = split_sentences(0, "\n".join(["Work history:", *ITEMS]))
LEAD, LISTED = SENTENCES[0], SENTENCES[1:]


def test_every_item_of_a_list_is_quoted_or_counted_as_left_out() -> None:
    quoted, left_out = with_announced_lists([LEAD], SENTENCES, budget=200)

    assert quoted[0] == LEAD
    assert len(quoted) - 1 + left_out[0] == len(LISTED)


def test_an_item_chosen_for_itself_below_its_lead_is_counted_when_the_budget_drops_it() -> None:
    # Chosen for a word it shares with the question but ranked below the lead, the last employer was
    # neither quoted nor counted: "(and 4 more listed there)" for five left out.
    quoted, left_out = with_announced_lists([LEAD, LISTED[-1]], SENTENCES, budget=200)

    assert LISTED[-1] not in quoted
    assert len(quoted) - 1 + left_out[0] == len(LISTED)


def test_an_item_chosen_above_its_lead_is_quoted_once() -> None:
    quoted, left_out = with_announced_lists([LISTED[-1], LEAD], SENTENCES, budget=2_000)

    assert quoted.count(LISTED[-1]) == 1
    assert sorted(quoted, key=lambda s: s.position) == SENTENCES
    assert left_out == {}
