"""Caching headers: nothing a page renders may be kept stale by a browser or a CDN in between."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/api/v1/profile", "/api/v1/suggested-questions", "/api/v1/version"])
def test_what_rarely_changes_is_revalidated_with_an_etag(client, path):
    first = client.get(path)

    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200
    head = client.head(path, headers={"If-None-Match": first.headers["ETag"]})  # as GET, without a body
    assert (head.status_code, head.headers["Cache-Control"]) == (304, "no-cache")


@pytest.mark.parametrize("path", ["/api/v1/health", "/health", "/metrics", "/api/v1/nothing-here"])
def test_everything_else_is_never_stored(client, path):
    # With no header, CDNs keep an answer for their default TTL (hours): a stale health status.
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_a_whole_answer_is_never_stored_and_a_stream_is_not_cached(client):
    whole = client.post("/api/v1/chat", json={"message": "What cloud work has Ada done?", "stream": False})
    streamed = client.post("/api/v1/chat", json={"message": "What cloud work has Ada done?"})

    assert whole.headers["Cache-Control"] == "no-store"
    assert streamed.headers["Cache-Control"] == "no-cache"
    streamed.close()
