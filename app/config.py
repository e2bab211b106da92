"""Configuration from the environment (SPEC §8), validated once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError

from app.config_values import grpc_address, http_address, origin, redis_address
from app.errors import validation_message

# A comma list in the environment (`a, b`), not JSON.
CommaList = Annotated[list[str], NoDecode]

EXAMPLE_RESUME = Path(__file__).resolve().parent.parent / "data" / "example_resume.md"


class ConfigError(SystemExit):
    """A bad setting: exits the process with one line naming the variable."""


ENV_FILE = Path(".env")
ENV_FILE_VAR = "RESUME_API_ENV_FILE"  # set only by a refused reload, for the workers it starts
MAX_WORKERS = 64  # however asked for: WEB_CONCURRENCY here, `--workers` in gunicorn.conf.py


class Settings(BaseSettings):
    """Every setting of the service; field names are the environment variable names."""

    # No inf or nan for any number: LLM_READ_TIMEOUT=inf was no silence limit at all. Spaces
    # around a value are no part of it (LLM_MODEL=" " was sent as the model).
    model_config = SettingsConfigDict(
        env_file=ENV_FILE,
        extra="ignore",
        case_sensitive=False,
        frozen=True,
        allow_inf_nan=False,
        str_strip_whitespace=True,
    )

    app_env: Literal["development", "production"] = "development"
    port: int = Field(default=3000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["json", "console"] = "json"

    openrouter_api_key: SecretStr | None = None
    openrouter_base_url: Annotated[str, AfterValidator(http_address)] = "https://openrouter.ai/api/v1"
    llm_model: str = Field(default="nvidia/nemotron-nano-9b-v2:free", min_length=1)
    llm_fallback_models: CommaList = Field(default_factory=list)
    llm_max_tokens: int = Field(default=1024, ge=1, le=100_000)
    llm_temperature: float = Field(default=0.3, ge=0.0, le=2.0)
    llm_connect_timeout: float = Field(default=5.0, gt=0)
    llm_read_timeout: float = Field(default=60.0, gt=0, le=3600)
    # The whole answer, retries and fallbacks included: a token a minute never trips the read timeout.
    llm_answer_timeout: float = Field(default=300.0, gt=0)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_pool_size: int = Field(default=1000, ge=1)
    llm_http_referer: str = "https://github.com/ai-resume/ai-resume-api"
    llm_app_title: str = "AI Resume API"

    memvid_grpc_url: Annotated[str | None, AfterValidator(grpc_address)] = None
    memvid_timeout_seconds: float = Field(default=5.0, gt=0)
    memvid_file: Path | None = None
    retrieval_top_k: int = Field(default=5, ge=1, le=50)
    profile_cache_seconds: float = Field(default=60.0, ge=0)
    retrieval_cache_seconds: float = Field(default=60.0, ge=0)  # 0: every question asks memvid
    health_cache_seconds: float = Field(default=3.0, ge=0)

    session_ttl: int = Field(default=1800, ge=1)
    max_sessions: int = Field(default=1000, ge=1)
    max_history_messages: int = Field(default=20, ge=0)

    rate_limit_per_minute: int = Field(default=10, ge=1, le=1_000_000)
    # The model tokens a client's requests may average within that limit (app/api/model_budget.py).
    model_tokens_per_request: int = Field(default=2_000, ge=1_000)
    redis_url: Annotated[str | None, AfterValidator(redis_address)] = None  # set: state shared through Redis
    redis_timeout_seconds: float = Field(default=0.5, gt=0)  # connect, read and pool wait, per call
    # Per worker. A request holds at most one connection at a time, so a pool as large as
    # WORKER_CONNECTIONS (1000 by default) never makes a request wait for a connection.
    redis_max_connections: int = Field(default=1000, ge=1)
    # Set: /admin/ (the worker's sessions and caches, for `flask cache ...`) answers requests
    # with `Authorization: Bearer <ADMIN_TOKEN>`; unset: /admin/ does not exist.
    admin_token: SecretStr | None = None
    admin_url: str | None = None  # where `flask cache ...` finds the service; default http://127.0.0.1:PORT
    trusted_proxy_count: int = Field(default=0, ge=0, le=10)
    cors_origins: CommaList = Field(default_factory=list)
    sse_keepalive_seconds: float = Field(default=15.0, gt=0)
    # Admits every body the schemas admit: a 20,000-character job description in JSON \u escapes
    # is 240,000 bytes at worst (12 a character past the BMP; SPEC's 64 KiB refused valid ones).
    max_request_bytes: int = Field(default=256 * 1024, ge=1024)  # = nginx.conf's client_max_body_size
    # The longest a body may take to arrive (256 KiB in 10 s: 26 KB/s; behind nginx it comes whole):
    # a client sending one byte at a time held a worker connection for as long as it liked.
    body_read_timeout: float = Field(default=10.0, gt=0)
    # /docs and /openapi.json; a public production deployment may prefer not to publish them.
    docs_enabled: bool = True

    # gunicorn's own settings, read by gunicorn.conf.py (the README's "Deploying" section).
    # At most 64: a gevent worker is one event loop on one core and holds ~90 MB, so more is a
    # typo, and gunicorn forks all of them at once (WEB_CONCURRENCY=100000 filled 24 GB).
    web_concurrency: int = Field(default=1, ge=1, le=MAX_WORKERS)
    worker_connections: int = Field(default=1000, ge=1)
    worker_timeout: int = Field(default=30, ge=1)
    graceful_timeout: int = Field(default=25, ge=1)
    keepalive: int = Field(default=5, ge=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("llm_fallback_models", "cors_origins", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        # A list in the environment, by commas or spaces (neither occurs in an origin or a
        # model name; "https://a.example https://b.example" was one useless origin); a real
        # list from Python callers.
        if isinstance(value, str):
            return [item for item in re.split(r"[,\s]+", value) if item]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        # A browser's Origin is scheme://host[:port], nothing after it: an entry with a path,
        # without a scheme or with a user would never match, and its page would see only a
        # generic CORS error. Written as the browser sends it: a trailing "/" (copied from the
        # address bar) and a default port are dropped, scheme and host lower-cased.
        if "*" in value:
            if value != ["*"]:
                raise ValueError('"*" allows every origin: give it alone or not at all')
            return value
        return [origin(item) for item in value]

    @field_validator("openrouter_api_key", "memvid_grpc_url", "redis_url", "memvid_file", "admin_token", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def api_key(self) -> str | None:
        """The OpenRouter key in clear, for the one place that sends it."""
        return self.openrouter_api_key.get_secret_value() if self.openrouter_api_key else None


def load_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Read settings from the environment (and `.env`), overridden by `overrides`."""
    values = {key.lower(): value for key, value in (overrides or {}).items()}
    # A reload that met a bad `.env` points the workers at a copy of the last good one
    # (app/worker/reload.py).
    env_file = os.environ.get(ENV_FILE_VAR) or ENV_FILE
    try:
        settings = Settings(_env_file=env_file, **values)  # type: ignore[call-arg]  # pydantic-settings init option
    except ValidationError as error:
        raise ConfigError(_describe(error)) from None
    except SettingsError as error:
        raise ConfigError(f"Configuration error: {error}") from None
    except UnicodeDecodeError as error:  # python-dotenv reads the file as UTF-8
        raise ConfigError(f"Configuration error: {env_file}: not UTF-8 text (byte {error.start})") from None
    _check_production(settings)
    return settings


def _describe(error: ValidationError) -> str:
    # Every bad value at once: one per start-up was a restart for each.
    return "Configuration error: " + "; ".join(_problem(item) for item in error.errors())


def _problem(item: Any) -> str:
    name = str(item["loc"][0]).upper() if item["loc"] else "configuration"
    shown = "" if name in ("OPENROUTER_API_KEY", "ADMIN_TOKEN", "REDIS_URL") else f" (got {item.get('input')!r})"
    return f"{name}: {validation_message(item)}{shown}"


def _check_production(settings: Settings) -> None:
    if settings.app_env != "production":
        return
    problems = []
    if not (settings.memvid_grpc_url or settings.memvid_file):
        problems.append("APP_ENV=production needs MEMVID_GRPC_URL or MEMVID_FILE")
    if settings.memvid_file is not None and not settings.memvid_grpc_url and not settings.memvid_file.is_file():
        # Production never serves without its resume: say so now, not as a silent "degraded".
        problems.append(f"MEMVID_FILE: no such file: {settings.memvid_file}")
    if not settings.openrouter_api_key:
        problems.append("APP_ENV=production needs OPENROUTER_API_KEY")
    if problems:
        raise ConfigError("Configuration error: " + "; ".join(problems))


def worker_count(settings: Settings, cpus: int) -> int:
    """The gunicorn workers to run: WEB_CONCURRENCY when set, or without REDIS_URL its default of
    one (sessions and rate limits live in worker memory); with it, one per CPU up to MAX_WORKERS."""
    if "web_concurrency" in settings.model_fields_set or not settings.redis_url:
        return settings.web_concurrency
    return min(cpus, MAX_WORKERS)  # an 80-CPU host refused to start when the operator asked for nothing
