"""SSE on the wire: our encoder byte for byte, and the decoder against the WHATWG line rules."""

from __future__ import annotations

import pytest

from app.sse import ServerSentEvent, SSEDecoder, encode_comment, encode_event, encode_token, iter_sse


@pytest.mark.parametrize(
    ("payload", "wire"),
    [
        ({"type": "done", "tokens_used": 57}, b'data: {"type":"done","tokens_used":57}\n\n'),
        ({"type": "token", "content": "Zoë €"}, 'data: {"type":"token","content":"Zoë €"}\n\n'.encode()),
        ({"a": [1, None, True]}, b'data: {"a":[1,null,true]}\n\n'),
    ],
)
def test_encode_event_is_compact_json_on_one_line(payload: dict[str, object], wire: bytes) -> None:
    assert encode_event(payload) == wire


@pytest.mark.parametrize(
    ("text", "wire"),
    [
        ("They", b'data: {"type":"token","content":"They"}\n\n'),
        ('say "hi"\n', b'data: {"type":"token","content":"say \\"hi\\"\\n"}\n\n'),
        # Escaped too, though JSON need not: Python's line readers break lines there.
        ("a\u2028b\u2029c\x85d", b'data: {"type":"token","content":"a\\u2028b\\u2029c\\u0085d"}\n\n'),
        ("caf\u00e9 \u2713", 'data: {"type":"token","content":"caf\u00e9 \u2713"}\n\n'.encode()),
    ],
)
def test_encode_token_escapes_newlines_and_quotes(text: str, wire: bytes) -> None:
    assert encode_token(text) == wire
    assert encode_token(text) == encode_event({"type": "token", "content": text})
    assert wire.decode().splitlines() == [
        wire.decode().split("\n")[0],
        "",
    ]  # as requests' iter_lines(decode_unicode=True) reads it


def test_encode_comment() -> None:
    assert encode_comment("keepalive") == b": keepalive\n\n"


def _decode(chunks: list[bytes], *, comments: bool = False) -> list[ServerSentEvent]:
    return list(iter_sse(chunks, comments=comments))


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending_gives_the_same_events(newline: bytes) -> None:
    wire = newline.join([b"data: one", b"", b"event: update", b"data: two", b"id: 7", b"", b""])

    events = _decode([wire])

    assert events == [ServerSentEvent(data="one"), ServerSentEvent(data="two", event="update", id="7")]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_byte_by_byte_feeding_matches_one_feed(newline: bytes) -> None:
    wire = newline.join([b": hi", b'data: {"x":"\xe2\x82\xac"}', b"", b"data: [DONE]", b"", b""])

    events = _decode([wire[i : i + 1] for i in range(len(wire))])

    assert [e.data for e in events] == ['{"x":"€"}', "[DONE]"]


def test_crlf_split_across_chunks_is_one_line_ending() -> None:
    events = _decode([b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n"])

    assert [e.data for e in events] == ["a", "b"]


def test_final_cr_at_end_of_stream_ends_the_event() -> None:
    # Regression: a CR-only stream lost its last event, because the final CR was held
    # back as a possible CRLF half and then dropped at the end of the stream.
    events = _decode([b"data: a\r\rdata: b\r\r"])

    assert [e.data for e in events] == ["a", "b"]


def test_unicode_line_separators_do_not_split_lines() -> None:
    text = "one\u2028two\u2029three\x85four\x0bfive\x0csix"

    events = _decode([f"data: {text}\n\n".encode()])

    assert [e.data for e in events] == [text]


def test_multi_line_data_is_joined_with_newline() -> None:
    events = _decode([b"data: first\ndata:second\ndata:  third\ndata\n\n"])

    assert events == [ServerSentEvent(data="first\nsecond\n third\n")]


def test_comments_are_skipped_unless_asked_for() -> None:
    wire = b": OPENROUTER PROCESSING\n\ndata: x\n\n"

    assert _decode([wire]) == [ServerSentEvent(data="x")]
    assert _decode([wire], comments=True) == [
        ServerSentEvent(comment="OPENROUTER PROCESSING"),
        ServerSentEvent(data="x"),
    ]


def test_blank_lines_without_data_dispatch_nothing_and_reset_the_event_type() -> None:
    events = _decode([b"\n\nevent: ping\n\ndata: x\n\n"])

    assert events == [ServerSentEvent(data="x", event="message")]


def test_unknown_fields_and_lines_without_colon_are_ignored() -> None:
    events = _decode([b"<html>\nretry: 10\nfoo: bar\ndata: x\n\n"])

    assert events == [ServerSentEvent(data="x")]


def test_id_with_nul_is_ignored_and_id_persists() -> None:
    events = _decode([b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n"])

    assert [(e.data, e.id) for e in events] == [("a", "1"), ("b", "1")]


def test_partial_event_at_end_of_stream_is_discarded() -> None:
    decoder = SSEDecoder()

    assert decoder.feed(b"data: complete\n\ndata: partial\n") == [ServerSentEvent(data="complete")]
    assert decoder.flush() == []
    # Nothing of the discarded event leaks into later input.
    assert decoder.feed(b"data: next\n\n") == [ServerSentEvent(data="next")]


def test_unterminated_last_line_is_dropped() -> None:
    assert _decode([b"data: a\n\ndata: [DONE]"]) == [ServerSentEvent(data="a")]


def test_invalid_utf8_is_replaced_not_raised() -> None:
    events = _decode([b"data: \xff\xfe ok\n\n"])

    assert [e.data for e in events] == ["\ufffd\ufffd ok"]


def test_json_helper() -> None:
    assert ServerSentEvent(data='{"a": [1]}').json() == {"a": [1]}


def test_pending_bytes_counts_what_an_unfinished_event_holds() -> None:
    decoder = SSEDecoder()

    decoder.feed(b"data: abc\ndata: de")
    held = decoder.pending_bytes
    decoder.feed(b"f\n\n")

    assert held == len("abc") + len("data: de")
    assert decoder.pending_bytes == 0


def test_a_cr_ending_the_bytes_so_far_dispatches_the_event_without_waiting_for_more() -> None:
    # An upstream using CR alone, then silent: its last event must not wait for the next byte.
    decoder = SSEDecoder()

    events = decoder.feed(b"data: [DONE]\r\r")
    later = decoder.feed(b"\ndata: next\r\n\r\n")  # an LF completing the held CR is no blank line

    assert [event.data for event in events] == ["[DONE]"]
    assert [event.data for event in later] == ["next"]


@pytest.mark.parametrize("chunks", [[b"\xef\xbb\xbfdata: a\n\n"], [b"\xef", b"\xbb", b"\xbfdata: a\n\n"]])
def test_a_byte_order_mark_opening_the_stream_is_ignored(chunks: list[bytes]) -> None:
    assert [event.data for event in iter_sse(chunks)] == ["a"]


def test_a_byte_order_mark_later_in_the_stream_is_text() -> None:
    assert [event.data for event in iter_sse([b"data: a\n\n", b"data: \xef\xbb\xbfb\n\n"])] == ["a", "\ufeffb"]


def test_an_unpaired_surrogate_from_an_upstream_is_replaced_not_a_crash() -> None:
    assert encode_token("a\ud800b") == b'data: {"type":"token","content":"a?b"}\n\n'
    assert encode_event({"type": "x", "text": "\udc00"}) == b'data: {"type":"x","text":"?"}\n\n'
