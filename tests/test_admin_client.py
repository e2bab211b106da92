"""The cache CLI's HTTP client of /admin/ (app/state/admin_client.py): every failure is one sentence."""

from __future__ import annotations

import pytest
import requests
import responses

from app.state.admin_client import AdminClient, AdminError
from app.state.inspection import UnknownCache

URL = "http://service.test"


@pytest.fixture
def client() -> AdminClient:
    return AdminClient(URL + "/", "token")


@responses.activate
def test_answers_are_read_and_the_worker_named(client):
    responses.get(f"{URL}/admin/caches", json={"caches": [{"name": "sessions"}]}, headers={"X-Worker-Pid": "42"})
    assert client.stats() == [{"name": "sessions"}]
    assert client.worker_pid == 42
    assert responses.calls[0].request.headers["Authorization"] == "Bearer token"


@responses.activate
@pytest.mark.parametrize(
    ("method", "path", "call"),
    [
        ("GET", "/admin/sessions/s1", lambda c: c.session("s1")),
        ("DELETE", "/admin/sessions/s1", lambda c: c.expire("s1")),
    ],
)
def test_an_unknown_session_is_none_or_false(client, method, path, call):
    responses.add(method, URL + path, status=404, json={"code": "session_not_found", "detail": "x"})
    assert not call(client)


@responses.activate
def test_an_unknown_cache_raises_unknown_cache(client):
    responses.delete(f"{URL}/admin/caches/nope", status=404, json={"code": "cache_not_found", "detail": "x"})
    with pytest.raises(UnknownCache):
        client.clear("nope")


@responses.activate
@pytest.mark.parametrize(
    ("reply", "sentence"),
    [
        ({"status": 401, "json": {"code": "admin_unauthorized"}}, "refused the admin token"),
        ({"status": 404, "json": {"code": "not_found"}}, "has no admin endpoint"),
        ({"status": 503, "json": {"code": "redis_unavailable"}}, "answered 503"),
        ({"body": requests.ConnectionError("refused")}, "cannot reach the service"),
    ],
)
def test_failures_are_one_sentence(client, reply, sentence):
    responses.get(f"{URL}/admin/sessions", **reply)
    with pytest.raises(AdminError, match=sentence):
        client.sessions(5)


@responses.activate
@pytest.mark.parametrize(("header", "store"), [({"X-State-Store": "redis"}, "redis"), ({}, "memory")])
def test_where_the_answering_worker_keeps_its_state(client, header, store):
    responses.get(f"{URL}/admin/caches", json={"caches": []}, headers={"X-Worker-Pid": "42", **header})

    client.stats()

    assert client.state_store == store
