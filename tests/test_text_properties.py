"""Any resume text, passage or question: the parser, the sentence splitter and the offline
answerer either do their job or (the parser only) name the line of a format problem; they
never raise anything else and never take long. Another resume than the example can hold any
of this."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.llm.offline import GREETING, PREAMBLE, compose_answer
from app.llm.types import AnswerRequest
from app.resume.model import ResumeFormatError
from app.resume.parser import parse_resume
from app.retrieval.types import Passage
from app.text.passage_lines import restore_lines
from app.text.sentences import split_sentences

# Pieces of SPEC §10's markdown, so generated files get past the first checks and into the
# section parsers, mixed with arbitrary text.
MARKDOWN_LINES = st.one_of(
    st.sampled_from(
        [
            "---", "name: Ada Example", "title: Engineer", "system_prompt: Be brief.", "suggested_questions:",
            "  - What does she do?", "## Summary", "## Experience", "## Skills", "## FAQ", "## Fit Assessment Examples",
            "### Acme — Engineer", "### Strong", "### Gaps", "### Has she led a team?", "Period: 2020 \u2013 present",
            "Location: Berlin", "Fit level: Strong fit", "- Led a team of six.", "* Python: ten years", "1. First",
            "```", "~~~", "", "   ", "#", "##", "###", "Tags: a, b", "Key: value: more", "- ", "—",
        ]
    ),
    st.text(max_size=60),
)  # fmt: skip
ANY_TEXT = st.one_of(st.text(max_size=400), st.lists(MARKDOWN_LINES, max_size=40).map("\n".join))
# A valid front matter and unique sections whose bodies are any of the pieces above: most such
# files parse, so the section parsers (experience, skills, FAQ, fit examples) meet odd bodies.
SECTION_HEADINGS = ["Summary", "Experience", "Skills", "FAQ", "Fit Assessment Examples", "Education", "Hobbies"]
RESUME_FILES = st.builds(
    lambda headings, bodies: (
        "---\nname: Ada Example\ntitle: Engineer\n---\n"
        + "\n".join(f"## {heading}\n" + "\n".join(body) for heading, body in zip(headings, bodies, strict=False))
    ),
    st.lists(st.sampled_from(SECTION_HEADINGS), min_size=1, max_size=5, unique=True),
    st.lists(st.lists(MARKDOWN_LINES, max_size=12), min_size=5, max_size=5),
)


class HashEmbedder:
    """Deterministic unit vectors from a text's hash: exercises the answerer's arithmetic, not meaning."""

    dimensions = 8

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()[:8], "little")
        vector = np.random.default_rng(seed).normal(size=self.dimensions)
        return vector / np.linalg.norm(vector)

    def question(self, text: str) -> np.ndarray:
        return self._vector(text)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([self._vector(text) for text in texts]).reshape(len(texts), self.dimensions)


@settings(max_examples=300, deadline=2000)
@given(text=st.one_of(RESUME_FILES, st.lists(MARKDOWN_LINES, max_size=60).map("\n".join)))
def test_any_resume_file_parses_or_names_the_line_of_its_problem(text):
    try:
        document = parse_resume(text)
    except ResumeFormatError as error:
        problem_line: int | None = error.line
    else:
        problem_line = None
        assert document.frames
        assert len({frame.title for frame in document.frames}) == len(document.frames)

    assert problem_line is None or 1 <= problem_line <= text.count("\n") + text.count("\r") + 1


@settings(max_examples=300, deadline=1000)
@given(title=st.text(max_size=40), text=ANY_TEXT)
def test_any_passage_splits_into_non_empty_sentences(title, text):
    passage = Passage(title=title, text=text, score=1.0)

    sentences = split_sentences(0, restore_lines(passage))

    assert all(sentence.text.strip() for sentence in sentences)


@settings(max_examples=200, deadline=2000)
@given(
    question=st.text(max_size=200),
    passages=st.lists(st.tuples(st.text(max_size=40), ANY_TEXT), max_size=5, unique_by=lambda p: p[0]),
    searched=st.lists(st.text(max_size=12), max_size=6),
)
def test_any_question_and_passages_get_an_offline_answer(question, passages, searched):
    request = AnswerRequest(
        messages=[],
        question=question,
        passages=tuple(Passage(title=title, text=text, score=1.0) for title, text in passages),
        searched_words=tuple(searched),
        suggested_questions=("What does she do?",),
    )

    answer = compose_answer(request, HashEmbedder())  # type: ignore[arg-type]

    assert answer.startswith((PREAMBLE, GREETING))
