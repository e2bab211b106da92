"""From a recruiter's question to lexical engine queries, and the ranking of what they find."""

from __future__ import annotations

import pytest

from app.retrieval.expansions import SEMANTIC_SYNONYMS, SYNONYMS, with_synonyms
from app.retrieval.query import (
    MAX_FORMS,
    MAX_TERMS,
    SKETCH_SALT,
    Term,
    lexical_ranking,
    lookup_queries,
    query_terms,
    term_queries,
)
from app.retrieval.types import Passage


def passage(title: str, score: float = 1.0, tags: tuple[str, ...] = ()) -> Passage:
    return Passage(title=title, text=f"text of {title}", score=score, tags=tags)


@pytest.mark.parametrize(
    ("question", "words"),
    [
        ("What experience does she have with Kubernetes?", ["kubernetes"]),
        ('"Kubernetes" AND (AWS) OR [cloud]: k8s* -java +go ~x^2 \\ / || && !', ["kubernetes", "aws", "cloud", "k8s"]),
        ("title:secret NOT remote", ["title", "secret", "remote"]),
        ("Ist sie in İstanbul? 東京で働けますか 😀", ["ist", "sie", "istanbul", "東京で働けますか"]),
        ("kubernetes KUBERNETES Kubernetes", ["kubernetes"]),
        ("snake_case", ["snake", "case"]),
    ],
)
def test_query_terms_keep_content_words_only(question, words):
    assert [term.word for term in query_terms(question)][: len(words)] == words


def test_long_questions_are_capped():
    question = " ".join(f"word{n}" for n in range(50))

    assert len(query_terms(question)) == MAX_TERMS


def test_forms_cover_plurals_and_recruiter_synonyms():
    [salaries] = query_terms("salaries")
    [earn] = query_terms("earn")

    assert salaries.forms[:2] == ("salaries", "salary")
    assert "salary" in earn.forms


def test_every_expansion_is_a_plain_word_the_engine_cannot_read_as_syntax():
    # Expansions reach memvid unfiltered: a word with punctuation or an operator would be query syntax.
    words = set(SYNONYMS) | {word for others in SYNONYMS.values() for word in others}

    assert len(words) > 500
    assert [word for word in words if not word.isalnum() or word != word.casefold()] == []
    assert words.isdisjoint({"and", "or", "not", "to"})


def test_a_word_in_several_groups_still_has_at_most_max_forms():
    [azure] = query_terms("azure")  # in a cloud group and a vendor group

    assert len(SYNONYMS["azure"]) > MAX_FORMS
    assert len(azure.forms) == MAX_FORMS
    assert azure.forms[:2] == ("azure", "cloud")  # the first group's words first


def test_term_queries_are_each_form_then_the_salted_union():
    term = Term("salaries", ("salaries", "salary"))

    assert term_queries(term) == ["salaries", "salary", "salaries OR salary OR zqxj"]
    assert term_queries(Term("kafka", ("kafka",))) == ["kafka", "kafka OR zqxj"]


def test_a_frame_is_looked_up_by_each_phrase_then_their_content_words_salted():
    queries = lookup_queries(("about me", "personal statement", "summary of qualifications"))

    assert queries == [
        "about me",
        "personal statement",
        "summary of qualifications",
        f"personal OR statement OR summary OR qualifications OR {SKETCH_SALT}",  # no "about", "me", "of"
    ]


def test_a_lookup_by_function_words_alone_adds_no_union():
    assert lookup_queries(("why",)) == ["why"]


def test_lexical_ranking_keeps_the_snippet_of_the_best_placed_hit():
    early = Passage("Skills", "early snippet", 2.0)
    late = Passage("Skills", "late snippet", 9.0)
    terms = [Term("x", ("x",)), Term("y", ("y",))]

    fused = lexical_ranking(terms, [[[passage("Other"), late]], [[early]]])

    assert fused[0].title == "Skills"
    assert fused[0].text == "late snippet"  # the best hit of a frame within one term counts


def test_lexical_ranking_lifts_a_title_match():
    terms = [Term("education", ("education",))]

    fused = lexical_ranking(terms, [[[passage("Summary"), passage("Education")]]])

    assert [p.title for p in fused] == ["Education", "Summary"]


def test_a_question_is_also_worded_with_the_first_synonyms_of_its_words():
    assert with_synonyms("Who is her boss?") == " ".join(["boss", *SYNONYMS["boss"][:SEMANTIC_SYNONYMS]])
    assert with_synonyms("Has she baked croissants?") == ""  # no word with synonyms: no third view
