"""Words, stop words and stems of text (app/text/words.py)."""

from __future__ import annotations

import pytest

from app.text.words import STOP_WORDS, content_stems, content_words, stem, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", ["hello", "world"]),
        ("C++ and C# and F#", ["c++", "and", "c#", "and", "f#"]),
        ("snake_case", ["snake", "case"]),
        ("İstanbul STRASSE Straße", ["istanbul", "strasse", "strasse"]),
        ("\uff21\uff37\uff33 東京で", ["aws", "東京で"]),  # full-width letters are folded to plain ones
        ("", []),
    ],
)
def test_words_are_split_and_folded(text, expected):
    assert words(text) == expected


def test_content_words_drop_filler_and_repeats_in_order():
    assert content_words("What experience does the candidate have with Kubernetes and kubernetes, or C++?") == [
        "kubernetes",
        "c++",
    ]


@pytest.mark.parametrize(
    ("left", "right"),
    [("salaries", "salary"), ("managed", "managing"), ("engineers", "engineer"), ("migrations", "migrated")],
)
def test_forms_of_one_word_share_a_stem(left, right):
    assert stem(left) == stem(right)


def test_content_stems_of_a_sentence():
    assert content_stems("She managed the salaries of engineers") == {stem("managed"), stem("salary"), stem("engineer")}


def test_stop_words_come_from_the_data_file():
    assert {"the", "what", "candidate", "experience"} <= STOP_WORDS
    assert "#" not in "".join(STOP_WORDS)  # comments are not words
