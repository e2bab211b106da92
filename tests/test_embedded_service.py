"""The product with nothing configured, another resume by MEMVID_FILE, and the API over
gRPC against the real engine served by `flask memvid serve` — all through gunicorn."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.servers import ROOT, free_port, gunicorn, wait_until_ready_grpc
from tests.sse_client import events

UNSET = {"MEMVID_GRPC_URL": "", "OPENROUTER_API_KEY": "", "MEMVID_FILE": ""}

OTHER_RESUME = textwrap.dedent(
    """\
    ---
    name: Sam Otherperson
    title: Data Engineer
    suggested_questions:
      - What databases does Sam know?
    ---
    ## Summary
    Sam builds data pipelines with PostgreSQL and Apache Kafka.

    ## Experience
    ### Streamly — Data Engineer
    Period: 2020 - 2024
    - Moved nightly batch jobs to Kafka streams.
    """
)


def flask_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", "memvid", *args]


def ask(url: str, message: str) -> list[dict]:
    response = requests.post(f"{url}/api/v1/chat", json={"message": message}, timeout=30)
    assert response.status_code == 200
    return events(response.content)


def answer_text(received: list[dict]) -> str:
    return "".join(event["content"] for event in received if event["type"] == "token")


def test_fresh_machine_serves_the_example_resume(tmp_path):
    with gunicorn(UNSET, tmp_path) as service:
        health = requests.get(f"{service.url}/api/v1/health", timeout=5).json()
        received = ask(service.url, "What cloud experience does the candidate have?")
        paraphrased = ask(service.url, "Is she multilingual?")  # the resume says "languages", "speaks"
        profile = requests.get(f"{service.url}/api/v1/profile", timeout=5).json()
        questions = requests.get(f"{service.url}/api/v1/suggested-questions", timeout=5).json()

    assert (health["status"], health["memvid_backend"], health["llm"]) == ("healthy", "embedded", "offline")
    assert health["memvid_frame_count"] > 10
    assert health["retrieval_modes"] == ["lexical", "semantic"]
    assert "Dutch" in answer_text(paraphrased)
    assert received[0]["chunks"] > 0
    assert received[-1]["type"] == "done"
    assert received[-1]["mode"] == "offline"
    answer = answer_text(received)
    assert "no language model" in answer.lower()
    assert "AWS" in answer
    assert profile["name"] == "Elena Marsh"
    assert "system_prompt" not in profile
    assert questions["questions"][0]["question"] == profile["suggested_questions"][0]


@pytest.fixture(scope="module")
def other_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("other")
    (folder / "sam.md").write_text(OTHER_RESUME)
    out = folder / "sam.mv2"
    result = subprocess.run(
        flask_cli("ingest", str(folder / "sam.md"), "--out", str(out)),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Sam Otherperson" in result.stdout
    return out


def test_memvid_file_serves_another_resume(other_index, tmp_path):
    with gunicorn({**UNSET, "MEMVID_FILE": str(other_index)}, tmp_path) as service:
        profile = requests.get(f"{service.url}/api/v1/profile", timeout=5).json()
        received = ask(service.url, "Which streaming tools does Sam use?")

    assert profile["name"] == "Sam Otherperson"
    assert profile["experience"][0]["company"] == "Streamly"
    assert "Kafka" in answer_text(received)


@contextlib.contextmanager
def memvid_serve(index: Path, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        flask_cli("serve", "--file", str(index), "--port", str(port)), cwd=ROOT, stdout=log, stderr=log
    )
    try:
        wait_until_ready_grpc(f"127.0.0.1:{port}", process, tmp_path / "serve.log")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_api_over_grpc_against_the_real_engine(other_index, tmp_path):
    with (
        memvid_serve(other_index, tmp_path) as target,
        gunicorn({**UNSET, "MEMVID_GRPC_URL": target}, tmp_path) as service,
    ):
        health = requests.get(f"{service.url}/api/v1/health", timeout=5).json()
        profile = requests.get(f"{service.url}/api/v1/profile", timeout=5).json()
        received = ask(service.url, "What does Sam know about Kafka?")

    assert (health["status"], health["memvid_backend"]) == ("healthy", "grpc")
    assert health["retrieval_modes"] == ["lexical", "semantic"]
    assert profile["name"] == "Sam Otherperson"
    assert received[0]["chunks"] > 0
    assert "Kafka" in answer_text(received)
