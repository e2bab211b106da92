"""The output leak filter (app/guardrails/output_filter.py), fed the way a stream feeds it."""

from __future__ import annotations

import re

import pytest

from app.guardrails.output_filter import WITHHELD_NOTICE, LeakFilterFactory

PROMPT = (
    "You answer recruiters' questions about Ada, using only the resume excerpts below. Be concise, "
    "factual and friendly. If the excerpts do not answer the question, say so plainly; never invent "
    "employers, dates, numbers or skills."
)
CONTEXT = "### Experience — Cloudco\n" + " ".join(f"Ada shipped project number {n} on Kubernetes." for n in range(40))


def _pieces(text: str, size: int) -> list[str]:
    return re.findall(rf".{{1,{size}}}", text, re.S)


def _run(answer: str, size: int, protected: tuple[str, ...] = (PROMPT, CONTEXT)) -> tuple[list[str], bool]:
    leak_filter = LeakFilterFactory()(protected)
    sent = [leak_filter.feed(piece) for piece in _pieces(answer, size)]
    sent.append(leak_filter.finish())
    return sent, leak_filter.withheld


@pytest.mark.parametrize("size", [1, 3, 7, 50])
@pytest.mark.parametrize(
    "answer",
    [
        "Ada ran Kubernetes on AWS for five years; she is concise and factual.",
        "Ada shipped project number 3 on Kubernetes. That was at Cloudco.",  # a short quote of the context
        "Using only the resume, I can say: Ada is friendly.",
        "",
    ],
)
def test_ordinary_answers_pass_whole(answer: str, size: int) -> None:
    sent, withheld = _run(answer, size)
    assert "".join(sent) == answer
    assert withheld is False


@pytest.mark.parametrize("size", [1, 4, 200])
def test_a_copied_system_prompt_is_withheld_and_the_answer_ends_cleanly(size: int) -> None:
    answer = "Sure. My instructions: " + PROMPT + " That's all."
    sent, withheld = _run(answer, size)
    text = "".join(sent)
    assert withheld is True
    assert text.endswith(WITHHELD_NOTICE)
    assert "using only the resume excerpts" not in text
    assert text.startswith("Sure.")


def test_a_dump_of_the_raw_context_is_withheld() -> None:
    sent, withheld = _run("Here it is: " + CONTEXT[:1200], 5)
    assert withheld is True
    assert "project number 10" not in "".join(sent)


def test_only_the_words_of_a_possible_copy_are_held_back() -> None:
    leak_filter = LeakFilterFactory()((PROMPT,))
    assert leak_filter.feed("Ada is great. ") == "Ada is great. "
    # "be concise" starts a possible copy of the prompt: held, the rest is not
    assert leak_filter.feed("Be concise ") == ""
    assert leak_filter.feed("please. ") == "Be concise please. "
    assert leak_filter.feed("Ada") == ""  # an unfinished word waits for its end
    assert leak_filter.finish() == "Ada"


def test_after_withholding_nothing_more_is_sent() -> None:
    leak_filter = LeakFilterFactory(min_words=3, max_words=3)(("alpha beta gamma delta",))
    assert leak_filter.feed("alpha beta gamma ") == WITHHELD_NOTICE
    assert leak_filter.feed("delta and more ") == ""
    assert leak_filter.finish() == ""


def test_nothing_protected_means_nothing_held() -> None:
    leak_filter = LeakFilterFactory()(("", "  "))
    assert leak_filter.feed("any words at all ") == "any words at all "
