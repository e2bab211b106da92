"""SIGHUP with settings that no longer validate: the running service keeps its settings."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from app.config import ENV_FILE_VAR, ConfigError, load_settings
from app.worker import reload
from tests.deploy_stack import stack_env, upstreams
from tests.servers import gunicorn


@pytest.fixture
def first_load(monkeypatch):
    monkeypatch.setattr(reload, "_running", None)
    monkeypatch.setattr(reload, "_running_env_text", None)
    monkeypatch.delenv(ENV_FILE_VAR, raising=False)
    monkeypatch.delenv("MAX_HISTORY_MESSAGES", raising=False)


def test_a_bad_value_still_stops_the_first_load(first_load, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("MAX_HISTORY_MESSAGES=abc\n")

    with pytest.raises(ConfigError):
        reload.settings_for_this_load(load_settings, environ={})


def test_a_reload_meeting_a_bad_value_keeps_the_running_settings_for_master_and_workers(
    first_load, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    env_file = tmp_path / ".env"
    env_file.write_text("MAX_HISTORY_MESSAGES=6\n")
    environ: dict[str, str] = {}
    running = reload.settings_for_this_load(load_settings, environ=environ, env_file=env_file)

    env_file.write_text("MAX_HISTORY_MESSAGES=abc\n")  # a typo, then SIGHUP
    kept = reload.settings_for_this_load(load_settings, environ=environ, env_file=env_file)

    assert kept is running
    assert "Reload refused" in capsys.readouterr().err
    # A worker the reload starts reads the copy of the .env the running settings came from.
    monkeypatch.setenv(ENV_FILE_VAR, environ[ENV_FILE_VAR])
    assert load_settings().max_history_messages == 6

    env_file.write_text("MAX_HISTORY_MESSAGES=8\n")  # fixed, then SIGHUP again
    monkeypatch.delenv(ENV_FILE_VAR)
    copy = Path(environ[ENV_FILE_VAR])
    applied = reload.settings_for_this_load(load_settings, environ=environ, env_file=env_file)

    assert applied.max_history_messages == 8
    assert ENV_FILE_VAR not in environ  # the workers read .env itself again
    assert not copy.exists()


def test_the_master_leaving_removes_a_refused_reloads_copy_of_the_env_file(tmp_path):
    copy = tmp_path / "copy.env"
    copy.write_text("OPENROUTER_API_KEY=sk-secret\n")
    environ = {ENV_FILE_VAR: str(copy)}

    reload.forget_copy(environ)

    assert not copy.exists()
    assert ENV_FILE_VAR not in environ


def test_sighup_with_a_broken_env_file_leaves_the_service_answering(tmp_path):
    # It stopped the master: the port closed and open streams were cut off (ops audit).
    (tmp_path / ".env").write_text("MAX_HISTORY_MESSAGES=6\n")
    with upstreams() as (memvid, llm), gunicorn(stack_env(memvid, llm), tmp_path, cwd=tmp_path) as api:
        (tmp_path / ".env").write_text("MAX_HISTORY_MESSAGES=abc\n")
        os.kill(api.process.pid, signal.SIGHUP)
        time.sleep(3)  # the reload: new workers booted, the old ones stopped

        assert api.process.poll() is None
        assert requests.get(f"{api.url}/api/v1/health", timeout=5).status_code == 200
        reply = requests.post(f"{api.url}/api/v1/chat", json={"message": "Go?", "stream": False}, timeout=10)
        assert reply.status_code == 200
        assert "Reload refused" in api.log()
