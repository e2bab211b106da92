"""X-Trace-ID on every answer (app/api/trace_id.py)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123_X.y", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("has space", False),
        ("<script>", False),
        ("", False),
    ],
)
def test_trace_id_kept_only_when_sane(client, sent, kept):
    response = client.get("/health", headers={"X-Trace-ID": sent})

    trace_id = response.headers["X-Trace-ID"]
    assert (trace_id == sent) is kept
    assert 1 <= len(trace_id) <= 64


def test_trace_id_on_errors(client):
    assert client.get("/missing").headers["X-Trace-ID"]
    assert client.post("/api/v1/chat", data="x").headers["X-Trace-ID"]
