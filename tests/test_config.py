"""Configuration: defaults, parsing, and one clear line for a bad value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.config import ConfigError, load_settings
from tests.servers import ROOT


def test_defaults_match_the_contract(monkeypatch):
    for name in ("PORT", "OPENROUTER_API_KEY", "MEMVID_GRPC_URL", "CORS_ORIGINS", "APP_ENV"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()

    assert settings.port == 3000
    assert settings.llm_connect_timeout == 5
    assert settings.llm_read_timeout == 60
    assert settings.llm_max_retries == 2
    assert settings.memvid_timeout_seconds == 5
    assert (settings.session_ttl, settings.max_sessions, settings.max_history_messages) == (1800, 1000, 20)
    assert settings.rate_limit_per_minute == 10
    assert settings.trusted_proxy_count == 0
    assert settings.sse_keepalive_seconds == 15
    assert settings.max_request_bytes == 256 * 1024
    assert settings.llm_model == "nvidia/nemotron-nano-9b-v2:free"
    assert settings.cors_origins == []
    assert settings.api_key is None


def test_lists_and_blank_values(monkeypatch):
    monkeypatch.setenv("LLM_FALLBACK_MODELS", "a/b, c/d ,")
    monkeypatch.setenv("CORS_ORIGINS", "https://x.example https://y.example,https://z.example")
    monkeypatch.setenv("OPENROUTER_API_KEY", "  ")
    monkeypatch.setenv("LOG_LEVEL", "debug")

    settings = load_settings()

    assert settings.llm_fallback_models == ["a/b", "c/d"]
    assert settings.cors_origins == ["https://x.example", "https://y.example", "https://z.example"]  # spaces too
    assert settings.api_key is None
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"port": "abc"}, "PORT"),
        ({"port": "70000"}, "PORT"),
        ({"log_level": "LOUD"}, "LOG_LEVEL"),
        ({"log_format": "xml"}, "LOG_FORMAT"),
        ({"llm_read_timeout": "-1"}, "LLM_READ_TIMEOUT"),
        ({"rate_limit_per_minute": "ten"}, "RATE_LIMIT_PER_MINUTE"),
        ({"app_env": "staging"}, "APP_ENV"),
        ({"redis_url": "nonsense"}, "REDIS_URL"),
        ({"redis_url": "redis://:secret@localhost:notaport/0"}, "REDIS_URL"),
        ({"redis_url": "http://localhost:6379"}, "REDIS_URL"),
        ({"redis_url": "redis://localhost:6379/abc"}, "REDIS_URL"),  # redis-py used database 0
        ({"redis_url": "redis://localhost:6379/0?db=abc"}, "REDIS_URL"),  # every worker crashed at boot
        ({"cors_origins": "jobs.example.com"}, "CORS_ORIGINS"),  # no scheme: never a browser's Origin
        ({"cors_origins": "https://jobs.example.com/careers"}, "CORS_ORIGINS"),
        ({"cors_origins": "https://a.example, *"}, "CORS_ORIGINS"),
        # flask-cors would take it for a prefix regex: https://xexample.com would pass.
        ({"cors_origins": "https://*.example.com"}, "CORS_ORIGINS"),
        ({"cors_origins": "https://user@jobs.example.com"}, "CORS_ORIGINS"),
        ({"cors_origins": "https://jobs.example.com#"}, "CORS_ORIGINS"),
        # Each was taken, then crashed every worker (a traceback) or never connected (degraded for ever).
        ({"openrouter_base_url": "foo"}, "OPENROUTER_BASE_URL"),
        ({"openrouter_base_url": "ftp://x"}, "OPENROUTER_BASE_URL"),
        ({"openrouter_base_url": "http://"}, "OPENROUTER_BASE_URL"),
        ({"memvid_grpc_url": "http://127.0.0.1:50051"}, "MEMVID_GRPC_URL"),
        ({"memvid_grpc_url": "127.0.0.1:abc"}, "MEMVID_GRPC_URL"),
        ({"memvid_grpc_url": "memvid"}, "MEMVID_GRPC_URL"),
        ({"memvid_grpc_url": ":::"}, "MEMVID_GRPC_URL"),
        ({"memvid_grpc_url": "memvid:70000"}, "MEMVID_GRPC_URL"),
        ({"llm_read_timeout": "inf"}, "LLM_READ_TIMEOUT"),  # no silence limit at all
        ({"rate_limit_per_minute": "99999999999999999999999"}, "RATE_LIMIT_PER_MINUTE"),
        ({"llm_model": ""}, "LLM_MODEL"),
        ({"llm_model": "  "}, "LLM_MODEL"),  # was sent as the model
        ({"llm_read_timeout": "1e308"}, "LLM_READ_TIMEOUT"),
        ({"memvid_timeout_seconds": "inf"}, "MEMVID_TIMEOUT_SECONDS"),
        ({"sse_keepalive_seconds": "inf"}, "SSE_KEEPALIVE_SECONDS"),
        ({"redis_timeout_seconds": "nan"}, "REDIS_TIMEOUT_SECONDS"),
        ({"openrouter_base_url": "http://local host/v1"}, "OPENROUTER_BASE_URL"),
        ({"openrouter_base_url": "http://ho%st/v1"}, "OPENROUTER_BASE_URL"),
        ({"memvid_grpc_url": "dns:///host:abc"}, "MEMVID_GRPC_URL"),
        ({"memvid_grpc_url": "dns:///host:70000"}, "MEMVID_GRPC_URL"),
        ({"memvid_grpc_url": "dns:///"}, "MEMVID_GRPC_URL"),
        ({"memvid_grpc_url": "unix:"}, "MEMVID_GRPC_URL"),
        ({"memvid_grpc_url": "ipv4:host:abc"}, "MEMVID_GRPC_URL"),
    ],
)
def test_bad_value_names_the_variable(overrides, named):
    with pytest.raises(ConfigError) as raised:
        load_settings(overrides)
    message = str(raised.value)
    assert message.startswith(f"Configuration error: {named}")
    assert "\n" not in message


def test_a_bad_redis_url_is_never_echoed_it_may_hold_a_password():
    with pytest.raises(ConfigError) as raised:
        load_settings({"redis_url": "redis://:secret@localhost:notaport/0"})
    assert "secret" not in str(raised.value)


def test_an_origin_copied_with_its_trailing_slash_still_matches_the_browsers():
    assert load_settings({"cors_origins": "https://a.example/ http://localhost:5173"}).cors_origins == [
        "https://a.example",
        "http://localhost:5173",
    ]
    # As the browser sends it: no default port, lower case.
    assert load_settings({"cors_origins": "HTTPS://Jobs.Example.com:443 http://127.0.0.1:80"}).cors_origins == [
        "https://jobs.example.com",
        "http://127.0.0.1",
    ]
    assert load_settings({"cors_origins": "*"}).cors_origins == ["*"]
    # An internationalised host as browsers send it (punycode): it never matched as written.
    assert load_settings({"cors_origins": "https://caf\u00e9.example"}).cors_origins == ["https://xn--caf-dma.example"]


@pytest.mark.parametrize(
    "target",
    [
        "memvid:50051",
        "127.0.0.1:50051",
        "[::1]:50051",
        "dns:///memvid.internal:50051",
        "dns://8.8.8.8/memvid:50051",
        "dns:memvid:50051",
        "ipv4:10.0.0.1:50051,10.0.0.2:50051",
        "ipv6:[::1]:50051",
        "unix:///run/m.sock",
        "unix:m.sock",
    ],
)
def test_good_grpc_targets_pass(target):
    assert load_settings({"memvid_grpc_url": target}).memvid_grpc_url == target


@pytest.mark.parametrize("url", ["http://localhost:8000/v1", "https://openrouter.ai/api/v1", "http://[::1]:8080"])
def test_good_llm_base_urls_pass(url):
    assert load_settings({"openrouter_base_url": url}).openrouter_base_url == url
    assert load_settings({"openrouter_base_url": f" {url} "}).openrouter_base_url == url  # spaces are no part of it


@pytest.mark.parametrize("url", ["redis://localhost:6379/0", "rediss://:pw@cache.example:6380", "unix:///tmp/r.sock"])
def test_good_redis_urls_pass(url):
    assert load_settings({"redis_url": url}).redis_url == url


def test_production_refuses_a_memvid_file_that_is_not_there(tmp_path):
    overrides = {"app_env": "production", "openrouter_api_key": "k", "memvid_file": str(tmp_path / "missing.mv2")}

    with pytest.raises(ConfigError, match="MEMVID_FILE: no such file"):
        load_settings(overrides)
    (tmp_path / "missing.mv2").write_bytes(b"")
    assert load_settings(overrides).memvid_file == tmp_path / "missing.mv2"


def test_api_key_is_never_echoed():
    with pytest.raises(ConfigError) as raised:
        load_settings({"openrouter_api_key": 12345})
    assert "12345" not in str(raised.value)


@pytest.mark.parametrize(
    ("overrides", "needs"),
    [
        ({"app_env": "production", "openrouter_api_key": "k"}, "MEMVID_GRPC_URL or MEMVID_FILE"),
        ({"app_env": "production", "memvid_grpc_url": "memvid:50051"}, "OPENROUTER_API_KEY"),
    ],
)
def test_production_refuses_fallbacks(overrides, needs):
    with pytest.raises(ConfigError, match=needs):
        load_settings(overrides)


def test_production_with_everything_configured():
    settings = load_settings({"app_env": "production", "openrouter_api_key": "k", "memvid_grpc_url": "m:1"})
    assert settings.app_env == "production"


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-c", "import wsgi"],
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
    ],
)
def test_start_up_stops_with_one_line(command):
    env = {"PATH": "/usr/bin:/bin", "PORT": "not-a-port", "HOME": "/tmp", "MEMVID_TELEMETRY": "0"}

    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("Configuration error: PORT")
    assert "Traceback" not in result.stderr


def test_an_env_file_that_is_not_utf8_is_one_line_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_bytes(b"LLM_APP_TITLE=R\xe9sum\xe9\n")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert str(raised.value) == "Configuration error: .env: not UTF-8 text (byte 15)"


def test_every_bad_value_is_named_at_once_not_one_per_start():
    with pytest.raises(ConfigError) as raised:
        load_settings({"port": "abc", "log_level": "LOUD"})
    assert str(raised.value).startswith("Configuration error: PORT: ")
    assert "(got 'abc'); LOG_LEVEL: " in str(raised.value)


def test_production_names_everything_it_lacks_at_once(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings({"app_env": "production", "memvid_file": None, "openrouter_api_key": None})
    assert str(raised.value) == (
        "Configuration error: APP_ENV=production needs MEMVID_GRPC_URL or MEMVID_FILE; "
        "APP_ENV=production needs OPENROUTER_API_KEY"
    )
