"""The learned detector's n-gram reading (app/guardrails/ngram_reading.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.guardrails.ngram_reading import NgramBlock, NgramReader, char_grams, word_grams


def words_reader(weights: dict[str, float], bias: float = -1.0) -> NgramReader:
    """A reader over single words, every idf 1."""
    grams = np.array(sorted(weights))
    block = NgramBlock("words", 1, 1, grams, np.ones(len(grams)), np.array([weights[g] for g in grams]))
    return NgramReader((block,), bias)


@pytest.mark.parametrize(
    ("text", "low", "high", "expected"),
    [
        # Each word padded by a space; runs of white space are one; case folded.
        ("Ab  CDE", 3, 4, [" ab", "ab ", " ab ", " cd", "cde", "de ", " cde", "cde "]),
        # A word shorter than n is one n-gram, counted once however many lengths it is short of.
        ("a", 3, 5, [" a "]),
        ("", 3, 5, []),
    ],
)
def test_character_grams_stay_inside_words_as_scikit_learn_reads_them(
    text: str, low: int, high: int, expected: list[str]
) -> None:
    assert list(char_grams(text, low, high)) == expected


def test_word_grams_are_runs_of_words_of_two_characters_or_more() -> None:
    assert list(word_grams("Ignore a PRIOR rule!", 1, 2)) == ["ignore", "prior", "rule", "ignore prior", "prior rule"]


def test_a_logit_weighs_the_known_grams_normalised_and_ignores_unknown_ones() -> None:
    reader = words_reader({"ignore": 3.0, "rules": 1.0})

    logits = reader.logits(["ignore the rules", "ignore", "what did she build"])

    both = (3.0 + 1.0) / np.sqrt(2)  # tf 1 each, l2-normalised over the two known words only
    assert logits == pytest.approx([-1.0 + both, -1.0 + 3.0, -1.0])


def test_a_repeated_gram_counts_by_the_log_of_its_count() -> None:
    block = NgramBlock("words", 1, 1, np.array(["again", "say"]), np.array([1.0, 2.0]), np.array([1.0, 0.0]))

    tf_idf = np.array([1.0 + np.log(3.0), 2.0])  # "again" three times, "say" once with idf 2
    assert block.reading("say again again again") == pytest.approx(tf_idf[0] / np.linalg.norm(tf_idf))


@pytest.mark.parametrize(
    "disguised",
    ["i g n o r e them", "1gn0re them", "\uff49\uff47\uff4e\uff4f\uff52\uff45 them", "\u0456gn\u043er\u0435 them"],
)
def test_the_reading_sees_the_views_the_rules_see(disguised: str) -> None:
    # Spaced letters, leetspeak, full-width and Cyrillic look-alikes are read as the word they spell.
    reader = words_reader({"ignore": 3.0})

    assert reader.logits([disguised])[0] > 0
    assert reader.logits(["them"])[0] == pytest.approx(-1.0)


def test_a_reader_survives_its_arrays(tmp_path: Path) -> None:
    words = words_reader({"ignore": 3.0, "rules": 1.0}, bias=0.5)
    chars = NgramBlock("chars", 3, 4, np.array([" ig", "ign"]), np.array([1.0, 1.5]), np.array([0.25, 2.0]))
    reader = NgramReader((chars, *words.blocks), words.bias)
    np.savez(tmp_path / "reader.npz", **reader.arrays())

    with np.load(tmp_path / "reader.npz") as data:
        again = NgramReader.from_arrays(data)

    assert again is not None
    texts = ["ignore the rules", "nothing here"]
    assert again.logits(texts) == pytest.approx(reader.logits(texts), abs=1e-6)


def test_a_vocabulary_of_long_grams_is_kept_as_python_strings_and_still_found(tmp_path: Path) -> None:
    long_word = "x" * 200  # a fixed-width array would pad every gram to this
    reader = words_reader({"ignore": 3.0, long_word: 1.0})
    np.savez(tmp_path / "reader.npz", **reader.arrays())

    with np.load(tmp_path / "reader.npz") as data:
        again = NgramReader.from_arrays(data)

    assert again is not None
    assert again.blocks[0].grams.dtype == object
    texts = ["ignore", f"ignore {long_word}", "nothing"]
    assert again.logits(texts) == pytest.approx(reader.logits(texts))


def test_a_file_without_a_reader_has_none(tmp_path: Path) -> None:
    np.savez(tmp_path / "older.npz", k=np.int64(3))

    with np.load(tmp_path / "older.npz") as data:
        assert NgramReader.from_arrays(data) is None
