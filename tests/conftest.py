"""Shared fixtures. Servers the tests need (nginx, redis) skip when missing on a laptop;
with RESUME_API_REQUIRE_SERVERS=1 (set by .ci/run) a missing one fails instead."""

from __future__ import annotations

import faulthandler
import os
import shutil

import pytest

os.environ.setdefault("MEMVID_TELEMETRY", "0")
# The suite runs on every core (pytest-xdist, `-n auto` in pyproject.toml, one worker per
# core up to MAX_WORKERS) and embeds thousands of labelled texts: each worker's model gets
# its share of the cores (two threads ran a batch 1.6x faster than one when alone). The
# service keeps one thread per worker (app/text/embedding.py), where gunicorn's workers are
# the parallelism; servers the tests start inherit this, and idle threads sleep, not spin.
MAX_WORKERS = 4
_workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // _workers)))
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# The OpenRouter client's fixtures (llm_server, make_llm_client, retry_sleeps, service_metrics).
pytest_plugins = ["tests.llm_client"]

REQUIRE_SERVERS = os.environ.get("RESUME_API_REQUIRE_SERVERS") == "1"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Disarm the stack-dump watchdog (faulthandler_timeout) for a test that declares a longer timeout.

    The watchdog fires ten seconds before the default timeout; a test marked to take longer
    would print every stack while working normally. pytest-timeout still dumps them if it
    really hangs. This runs after pytest arms the watchdog for the test, and pytest disarms it
    again after the test either way.
    """
    marker = item.get_closest_marker("timeout")
    if marker and marker.args and marker.args[0] > float(item.config.getini("timeout") or 0):
        faulthandler.cancel_dump_traceback_later()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker per core, at most MAX_WORKERS (each loads its own models and servers)."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def require_binary(name: str) -> str:
    """Return the path of `name`, or skip (fail in CI) when it is not installed."""
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None
    )
    if path is None:
        message = f"{name} is not installed"
        if REQUIRE_SERVERS:
            pytest.fail(message + " (RESUME_API_REQUIRE_SERVERS=1)")
        pytest.skip(message)
    return path


@pytest.fixture
def fake_memvid():
    from tests.fakes import FakeMemvid

    return FakeMemvid()


@pytest.fixture
def scripted_answerer():
    """An in-process answerer playing scripted tokens and errors (`enqueue`), for `create_app(llm=...)`."""
    from tests.fakes import ScriptedAnswerer

    return ScriptedAnswerer()


@pytest.fixture
def app_config() -> dict:
    """Settings for an app under test; tests may change entries before `app` is built."""
    return {"rate_limit_per_minute": 1000, "log_format": "json", "sse_keepalive_seconds": 5}


@pytest.fixture
def app(app_config, fake_memvid, scripted_answerer):
    from app.components import components
    from app.factory import create_app

    app = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer)
    yield app
    # Released here, not by the garbage collector in some later test: a finalizer of a
    # native handle (gRPC, Redis, the embedder's pool) must not run at a random point.
    components(app).close()


@pytest.fixture
def llm_server():
    """A fake OpenAI-compatible LLM on a free port for one test (tests/fake_llm.py)."""
    from tests.fake_llm import FakeLLMServer

    with FakeLLMServer() as server:
        yield server


@pytest.fixture(scope="module")
def llm():
    """A fake OpenAI-compatible LLM on a free port, shared by one module's tests (tests/fake_llm.py)."""
    from tests.fake_llm import FakeLLMServer

    with FakeLLMServer() as server:
        yield server


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server of the test's own on a free port (never the machine's 6379)."""
    from tests.redis_server import running

    with running(require_binary("redis-server"), tmp_path) as server:
        yield server
