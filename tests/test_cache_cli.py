"""`flask --app wsgi cache ...` as a separate process against a running gunicorn service,
with in-memory state (over /admin/) and with Redis (read directly)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from app.state import cli
from app.state.admin_client import AdminClient
from app.state.cli_format import describe_scope, visible
from tests.conftest import require_binary
from tests.fake_llm import FakeLLMServer
from tests.fake_memvid import FakeMemvidServer, hit
from tests.redis_server import RedisServer
from tests.servers import ROOT, Service, gunicorn, service_env

TOKEN = "cli-admin-token-0123"


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeMemvidServer, FakeLLMServer]]:
    memvid = FakeMemvidServer()
    memvid.fake.hits = [hit("Experience — Cloudco", 3.5, "Ran Kubernetes on AWS.")]
    memvid.start()
    with FakeLLMServer() as llm:
        yield memvid, llm
    memvid.stop()


@pytest.fixture(scope="module", params=["memory", "redis"])
def running(request, fakes, tmp_path_factory) -> Iterator[tuple[Service, dict[str, str]]]:
    memvid, llm = fakes
    env = service_env(memvid.target, llm.base_url, ADMIN_TOKEN=TOKEN)
    redis = None
    if request.param == "redis":
        redis = RedisServer(require_binary("redis-server"), tmp_path_factory.mktemp("redis"))
        redis.start()
        env["REDIS_URL"] = redis.url
    try:
        with gunicorn(env, tmp_path_factory.mktemp(request.param)) as service:
            yield service, {**env, "ADMIN_URL": service.url}
    finally:
        if redis is not None:
            redis.stop()


def cache(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI as its own process, as an operator would from another shell."""
    full_env = {**os.environ, "MEMVID_TELEMETRY": "0", "LOG_LEVEL": "ERROR", **env}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "cache", *args]
    return subprocess.run(command, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60)


def chat(service: Service, **fields) -> str:
    body = {"message": "What cloud work has Ada done?", "stream": False, **fields}
    return str(requests.post(f"{service.url}/api/v1/chat", json=body, timeout=10).json()["session_id"])


def test_the_cli_shows_what_the_api_did_then_expires_and_clears(running):
    service, env = running
    assert cache(env, "clear", "--yes").returncode == 0
    first = chat(service)
    chat(service, session_id=first)
    second = chat(service)

    listed = json.loads(cache(env, "list", "sessions", "--json").stdout)["sessions"]
    assert [(row["id"], row["messages"]) for row in listed] == [(second, 2), (first, 4)]
    table = cache(env, "list", "sessions").stdout
    assert first in table
    assert "expires_in" in table

    shown = json.loads(cache(env, "show", first.upper(), "--json").stdout)["session"]  # any UUID form, as the API
    assert [m["role"] for m in shown["messages"]] == ["user", "assistant"] * 2
    assert "What cloud work has Ada done?" in cache(env, "show", first).stdout

    stats = {row["name"]: row for row in json.loads(cache(env, "stats", "--json").stdout)["caches"]}
    assert stats["sessions"]["entries"] == 2
    assert stats["retrieval"]["hits"] + stats["retrieval"]["misses"] >= 3
    assert (stats["sessions"]["evictions"], stats["sessions"]["expiries"]) == (0, 0)
    assert stats["sessions"]["memory_sampled_entries"] == 2
    assert stats["sessions"]["memory_bytes"] > 0
    # Redis expires cache entries itself: not counted, and the table says so.
    assert stats["retrieval"]["expiries"] == (None if "REDIS_URL" in env else 0)
    table = cache(env, "stats").stdout
    assert "evictions  expiries  memory" in table
    assert "≈" in table
    assert ("Redis expires" in table) == ("REDIS_URL" in env)

    assert cache(env, "expire", first.replace("-", ""), "--yes").returncode == 0
    refused = cache(env, "show", "not-a-session")
    assert refused.returncode == 2
    assert "is not a session id (a UUID)" in refused.stderr
    assert [row["id"] for row in json.loads(cache(env, "list", "sessions", "--json").stdout)["sessions"]] == [second]
    cleared = json.loads(cache(env, "clear", "sessions", "--yes", "--json").stdout)
    assert cleared["cleared"] == {"sessions": 1}
    assert json.loads(cache(env, "list", "sessions", "--json").stdout)["sessions"] == []


def test_clearing_the_health_probe_works_in_memory_and_says_why_not_with_redis(running):
    _, env = running

    result = cache(env, "clear", "health", "--yes")

    assert result.returncode == 0, result.stderr
    if "REDIS_URL" in env:
        assert result.stdout.strip() == "health: per worker, not in Redis; it expires within 3 s"
        as_json = json.loads(cache(env, "clear", "health", "--yes", "--json").stdout)
        assert as_json == {"cleared": {}, "note": "health: per worker, not in Redis; it expires within 3 s"}
    else:
        assert "\nhealth: " in result.stdout
        assert result.stdout.rstrip().endswith("entries cleared")


def test_clear_asks_first(running):
    _, env = running
    refused = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "cache", "clear"],
        cwd=ROOT, env={**os.environ, "MEMVID_TELEMETRY": "0", "LOG_LEVEL": "ERROR", **env},
        input="n\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "Aborted" in refused.stderr


def test_clearing_an_unknown_cache_fails_before_asking(running):
    _, env = running
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "cache", "clear", "bogus"],
        cwd=ROOT, env={**os.environ, "MEMVID_TELEMETRY": "0", "LOG_LEVEL": "ERROR", **env},
        input="y\n", capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (result.returncode, result.stdout) == (1, "")  # no "Clear bogus ...?" first
    assert "no cache named 'bogus'" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [(("show", "0d4c8a52-0000-4000-8000-000000000000"), "no session"), (("clear", "nope", "--yes"), "no cache")],
)
def test_unknown_ids_fail_with_one_line(running, args, message):
    _, env = running
    result = cache(env, *args)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert message in result.stderr
    if args[0] == "show":  # says whose state it looked in
        assert ("worker pid" if "REDIS_URL" not in env else "Redis") in result.stderr


def test_a_wrong_token_or_a_stopped_service_fail_cleanly(running):
    _, env = running
    if "REDIS_URL" in env:
        stopped = {**env, "REDIS_URL": "redis://:pw-not-shown@127.0.0.1:1/0"}
        result = cache(stopped, "stats")
        assert (result.returncode, "does not answer" in result.stderr) == (1, True)
        assert "pw-not-shown" not in result.stderr
        return
    wrong = cache({**env, "ADMIN_TOKEN": "wrong-token"}, "stats")
    assert (wrong.returncode, "refused the admin token" in wrong.stderr) == (1, True)
    gone = cache({**env, "ADMIN_URL": "http://127.0.0.1:1"}, "list", "sessions")
    assert (gone.returncode, "cannot reach the service" in gone.stderr) == (1, True)
    assert "Traceback" not in wrong.stderr + gone.stderr


# -- in process, with Flask's CLI runner ------------------------------------------------


def runner_for(config: dict):
    from app.factory import create_app
    from tests.fakes import FakeMemvid, ScriptedAnswerer

    app = create_app(config, memvid=FakeMemvid(), llm=ScriptedAnswerer())
    return app, app.test_cli_runner()


def test_in_process_with_redis_every_command(app_config, redis_server):
    app, runner = runner_for({**app_config, "redis_url": redis_server.url})
    sid = app.test_client().post("/api/v1/chat", json={"message": "Go?", "stream": False}).get_json()["session_id"]

    stats = json.loads(runner.invoke(args=["cache", "stats", "--json"]).output)
    assert {row["name"] for row in stats["caches"]} == {"sessions", "retrieval", "profile"}
    rows = {row["name"]: row for row in stats["caches"]}
    assert (rows["sessions"]["expiries"], rows["retrieval"]["expiries"]) == (0, None)
    assert rows["retrieval"]["memory_bytes"] > 0
    assert stats["source"]["redis"] == redis_server.url
    assert sid in runner.invoke(args=["cache", "list", "sessions"]).output
    assert "Go?" in runner.invoke(args=["cache", "show", sid]).output
    assert json.loads(runner.invoke(args=["cache", "show", sid, "--json"]).output)["session"]["id"] == sid
    assert runner.invoke(args=["cache", "expire", sid], input="y\n").exit_code == 0
    assert runner.invoke(args=["cache", "expire", sid, "--yes"]).exit_code == 1
    assert "retrieval: 1 entries cleared" in runner.invoke(args=["cache", "clear", "retrieval", "--yes"]).output

    redis_server.stop()
    down = runner.invoke(args=["cache", "stats"])
    assert down.exit_code == 1
    assert "does not answer" in down.output


def test_in_process_memory_without_token_says_what_to_set(app_config):
    _, runner = runner_for(app_config)
    result = runner.invoke(args=["cache", "stats"])
    assert result.exit_code == 1
    assert "set ADMIN_TOKEN" in result.output


@pytest.mark.parametrize(
    ("store", "header"),
    [
        ("redis", "# Redis, shared by every worker and host (asked through worker pid 42)"),
        ("memory", "# one worker's memory (each worker holds its own), worker pid 42"),
    ],
)
def test_the_header_says_where_the_state_lives_when_asked_through_the_service(store, header):
    client = AdminClient("http://service.test", "token")
    client.worker_pid, client.state_store = 42, store

    assert describe_scope(cli._scope(client)) == header


def test_client_text_reaches_the_terminal_with_its_control_characters_shown_not_run():
    # A question or comment holding "\x1b]52;c;…\x07" wrote the operator's clipboard; "\r" forged a line.
    written = "bad \x1b]52;c;cm0gLXJmIH4K\x07 answer\r#0 forged\x9b line\nnext\tcell \u202eevil\u202c\u2028é"

    assert visible(written) == (
        "bad \\x1b]52;c;cm0gLXJmIH4K\\x07 answer\\r#0 forged\\x9b line\nnext\tcell \\u202eevil\\u202c\\u2028é"
    )
    assert visible("one\r\ntwo\tcells", one_line=True) == "one\\r\\ntwo\tcells"


def test_show_prints_a_comment_and_a_question_on_one_line_with_their_escapes_shown(app_config, redis_server):
    # A comment's "\r\nfake line" printed a line of its own, and its escape codes ran.
    comment = "\u001b[2J\u001b[31mPWNED\u001b]0;title\u0007 \r\nfake line"
    app, runner = runner_for({**app_config, "redis_url": redis_server.url})
    client = app.test_client()
    sid = client.post("/api/v1/chat", json={"message": "Cloud work?\nAnd AWS?", "stream": False}).get_json()[
        "session_id"
    ]
    assert client.post(f"/api/v1/chat/{sid}/feedback", json={"rating": "down", "comment": comment}).status_code == 200

    shown = runner.invoke(args=["cache", "show", sid]).output
    stored = json.loads(runner.invoke(args=["cache", "show", sid, "--json"]).output)["session"]

    assert "  [rated down: \\x1b[2J\\x1b[31mPWNED\\x1b]0;title\\x07 \\r\\nfake line]\n" in shown
    assert "user:\n  Cloud work?\\nAnd AWS?\n" in shown
    assert not {"\x1b", "\x07", "\r"} & set(shown)
    assert stored["feedback"]["1"]["comment"] == comment  # stored as sent, only shown escaped


def test_show_indents_an_answer_so_none_of_its_lines_reads_as_the_cli_s_own(app_config, redis_server):
    # An answer keeps its line breaks (lists), so one could print "#3 … user:" at the margin.
    from app.factory import create_app
    from app.llm.types import Finished, Token
    from tests.fakes import FakeMemvid, ScriptedAnswerer

    answerer = ScriptedAnswerer()
    answerer.enqueue(Token("- AWS\n- GCP\n\n#3 2026-12-06 09:00:00 user:\nforged"), Finished("stop"))
    app = create_app({**app_config, "redis_url": redis_server.url}, memvid=FakeMemvid(), llm=answerer)
    sid = app.test_client().post("/api/v1/chat", json={"message": "Clouds?", "stream": False}).get_json()["session_id"]

    shown = app.test_cli_runner().invoke(args=["cache", "show", sid]).output

    assert "assistant:\n  - AWS\n  - GCP\n\n  #3 2026-12-06 09:00:00 user:\n  forged" in shown
    assert "\n#3" not in shown


def test_a_session_another_tool_wrote_is_listed_as_unreadable_not_a_traceback(app_config, redis_server):
    from app.state.redis_session_layout import INDEX, session_keys

    app, runner = runner_for({**app_config, "redis_url": redis_server.url})
    post = app.test_client().post
    good, no_created, wrong_type = (
        post("/api/v1/chat", json={"message": "Go?", "stream": False}).get_json()["session_id"] for _ in range(3)
    )
    client = redis_server.client()
    client.hdel(session_keys(no_created)[0], "created")
    client.delete(session_keys(wrong_type)[1])
    client.set(session_keys(wrong_type)[1], "x")

    table = runner.invoke(args=["cache", "list", "sessions"])
    listed = json.loads(runner.invoke(args=["cache", "list", "sessions", "--json"]).output)["sessions"]
    shown = runner.invoke(args=["cache", "show", no_created])

    assert (table.exit_code, table.exception) == (0, None)
    (line,) = [line for line in table.output.splitlines() if line.startswith(no_created)]
    assert line.split() == [no_created, "-", "-", "-", "-", "no", "'created'", "field"]
    assert {row["id"]: row.get("unreadable") for row in listed} == {
        good: None,
        no_created: "no 'created' field",
        wrong_type: "a key of the wrong type (WRONGTYPE)",
    }
    assert shown.exit_code == 1
    assert f"session {no_created} cannot be read: no 'created' field" in shown.output
    assert "Traceback" not in table.output + shown.output

    client.delete(INDEX)
    client.set(INDEX, "x")  # the index itself of the wrong type: Redis answers, it is not down
    stats = runner.invoke(args=["cache", "stats"])
    assert stats.exit_code == 1
    assert "holds data this version cannot read: " in stats.output
    assert "WRONGTYPE" in stats.output
    assert "does not answer" not in stats.output
