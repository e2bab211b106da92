"""Which backends the settings choose, and the stand-in when none is configured."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog

from app.backends import build_answerer, build_memvid_backend
from app.config import EXAMPLE_RESUME, load_settings
from app.errors import RetrievalUnavailable
from app.llm.offline import OfflineAnswerer
from app.llm.openrouter import OpenRouterClient
from app.retrieval.embedded import EmbeddedMemvidBackend
from app.retrieval.grpc_client import GrpcMemvidBackend
from app.retrieval.retriever import UnconfiguredBackend


def test_grpc_url_means_grpc():
    backend = build_memvid_backend(load_settings({"memvid_grpc_url": "127.0.0.1:1", "memvid_timeout_seconds": 2}))
    assert isinstance(backend, GrpcMemvidBackend)
    assert (backend.name, backend.target, backend.timeout) == ("grpc", "127.0.0.1:1", 2)
    backend.close()


def test_memvid_file_means_embedded(tmp_path):
    path = tmp_path / "x.mv2"
    backend = build_memvid_backend(load_settings({"memvid_grpc_url": "", "memvid_file": str(path)}))
    assert isinstance(backend, EmbeddedMemvidBackend)
    assert backend.path == path


def test_a_memvid_file_that_is_not_there_is_named_in_a_warning(tmp_path):
    path = tmp_path / "typo.mv2"
    with structlog.testing.capture_logs() as logs:
        build_memvid_backend(load_settings({"memvid_grpc_url": "", "memvid_file": str(path)}))

    assert {"event": "memvid.file_missing", "path": str(path)}.items() <= logs[-1].items()


def test_nothing_configured_means_the_example_built_on_first_use():
    backend = build_memvid_backend(load_settings({"memvid_grpc_url": "", "memvid_file": ""}))
    assert isinstance(backend, EmbeddedMemvidBackend)
    assert backend.path == Path("data/example_resume.mv2").resolve()
    assert backend.build_from == EXAMPLE_RESUME


def test_the_example_index_is_built_on_first_use_not_when_wired(tmp_path):
    index = tmp_path / "example.mv2"
    backend = EmbeddedMemvidBackend(index, build_from=EXAMPLE_RESUME)
    assert not index.exists()

    hits = backend.search("kubernetes", top_k=3, snippet_chars=200)

    assert index.exists()
    assert hits
    backend.close()


def test_key_means_openrouter_else_offline():
    assert isinstance(build_answerer(load_settings({"openrouter_api_key": "sk-x"})), OpenRouterClient)
    assert isinstance(build_answerer(load_settings({"openrouter_api_key": ""})), OfflineAnswerer)


def test_unconfigured_backend_is_unavailable_and_says_why():
    backend = UnconfiguredBackend("memvid-sdk not installed")
    with pytest.raises(RetrievalUnavailable):
        backend.search("q", top_k=1, snippet_chars=10)
    with pytest.raises(RetrievalUnavailable):
        backend.get_state("__profile__", "data")
    health = backend.health(timeout=1)
    assert (health.connected, health.source) == (False, "memvid-sdk not installed")
    backend.close()
