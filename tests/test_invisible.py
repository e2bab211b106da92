"""Which characters count as text (app/text/invisible.py), and the schema pattern that says so."""

from __future__ import annotations

import re

import pytest

from app.factory import create_app
from app.text.invisible import VISIBLE_CHARACTER_PATTERN, reading_length, visible_count


@pytest.mark.parametrize(
    ("text", "count"),
    [("", 0), (" \t\n\u3000", 0), ("\u0000\u0007\u001b\u0085", 0), ("\u200b\u200d\u2060\ufeff\u00ad\u202e", 0),
     ("a\u200bb", 2), ("é ü", 2), ("\U000e0041\U000e0042", 0), ("\U0001f600", 1)],
)  # fmt: skip
def test_whitespace_controls_and_format_characters_are_not_counted(text, count):
    assert visible_count(text) == count


@pytest.mark.parametrize(
    ("text", "length"),
    [("", 0), (" \u200b\n ", 0), ("a b", 3), ("a  \t\n b", 3), ("  a b  ", 3), ("a\u200bb", 2),
     ("Python dev" + " " * 50, 10), ("a\u00a0\u3000b", 3), ("\u0007a\ufeff", 1)],
)  # fmt: skip
def test_a_text_reads_as_its_words_and_single_gaps(text, length):
    assert reading_length(text) == length


def test_the_documented_pattern_agrees_with_the_validator_on_every_bmp_character():
    holds_visible = re.compile(VISIBLE_CHARACTER_PATTERN)

    disagree = [
        hex(code)
        for code in range(0x10000)
        if not 0xD800 <= code <= 0xDFFF and bool(holds_visible.search(chr(code))) != bool(visible_count(chr(code)))
    ]

    assert disagree == []


def test_the_openapi_document_carries_the_pattern(app_config, fake_memvid, scripted_answerer):
    app = create_app({**app_config, "docs_enabled": True}, memvid=fake_memvid, llm=scripted_answerer)

    schemas = app.api_doc["components"]["schemas"]

    assert schemas["ChatRequest"]["properties"]["message"]["pattern"] == VISIBLE_CHARACTER_PATTERN
