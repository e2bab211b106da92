"""The Dockerfile's install, without Docker: its `uv sync` in a clean directory laid out
like the image, then the service started from it the way the image starts it.

No Docker engine runs here, so this reads the Dockerfile itself (the stages' COPY, ENV,
ARG, RUN, HEALTHCHECK and CMD) instead of restating it: a change there changes the test.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.deploy_stack import stack_env, stop, upstreams
from tests.servers import ROOT, free_port, wait_until_ready
from tests.sse_client import events

DOCKERFILE = ROOT / "Dockerfile"
DEV_ONLY_MODULES = ("pytest", "ruff", "mypy", "hypothesis", "grpc_tools", "responses", "memvid_sdk")


@dataclass
class Stage:
    """The instructions of one build stage, in order."""

    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, name: str) -> list[str]:
        return [args for instruction, args in self.instructions if instruction == name]

    def env(self) -> dict[str, str]:
        """ENV and ARG defaults; `$PATH`-style references are left to the caller."""
        values: dict[str, str] = {}
        for instruction, args in self.instructions:
            if instruction in ("ENV", "ARG"):
                values.update(item.split("=", 1) for item in shlex.split(args) if "=" in item)
        return {name: value for name, value in values.items() if "$" not in value}


def stages(text: str) -> list[Stage]:
    """Split a Dockerfile into stages of (INSTRUCTION, arguments), continuation lines joined."""
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending += line.rstrip("\\").strip() + " "
        if not line.rstrip().endswith("\\"):
            logical.append(pending.strip())
            pending = ""
    found: list[Stage] = []
    for line in logical:
        instruction, _, args = line.partition(" ")
        if instruction.upper() == "FROM":
            found.append(Stage())
        if found:
            found[-1].instructions.append((instruction.upper(), args.strip()))
    return found


def copy_sources(stage: Stage, workdir: Path) -> None:
    """Do the stage's COPY instructions from the build context (ROOT) into `workdir`."""
    for args in stage.all("COPY"):
        if args.startswith("--from="):
            continue  # between stages: the same directory here
        *sources, destination = [part for part in shlex.split(args) if not part.startswith("--")]
        target = workdir / destination
        for source in sources:
            path = ROOT / source
            place = target / path.name if destination.endswith("/") or len(sources) > 1 else target
            if path.is_dir():
                shutil.copytree(path, place, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                place.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, place)


def run_install(stage: Stage, workdir: Path) -> None:
    """Run the stage's RUN commands (build-cache mounts dropped) with its ENV and ARGs."""
    # Keep the caller's uv settings (cache, index), not the environment `uv run` chose.
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")}
    if "UV" in env:  # set by `uv run`: the uv binary that runs this test suite
        env["PATH"] = f"{Path(env['UV']).parent}{os.pathsep}{env['PATH']}"
    # The image's Python is the one on PATH there; here it is the interpreter running the tests.
    env.update(stage.env(), UV_PYTHON=sys.executable)
    for command in stage.all("RUN"):
        words = [word for word in command.split(" ") if not word.startswith("--mount=")]
        result = subprocess.run(
            ["bash", "-c", " ".join(words)], cwd=workdir, env=env, capture_output=True, text=True, timeout=240
        )
        assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> tuple[Path, Stage]:
    """The image's /app, built by the Dockerfile's own steps; yields (workdir, runtime stage)."""
    build, runtime = stages(DOCKERFILE.read_text())
    workdir = tmp_path_factory.mktemp("image") / "app"
    workdir.mkdir()
    assert build.all("WORKDIR") == runtime.all("WORKDIR") == ["/app"]
    copy_sources(build, workdir)
    run_install(build, workdir)
    copy_sources(runtime, workdir)
    return workdir, runtime


def test_dockerfile_shape():
    build, runtime = stages(DOCKERFILE.read_text())

    assert build.all("FROM")[0].startswith("python:")
    assert "slim" in build.all("FROM")[0]
    assert "slim" in runtime.all("FROM")[0]
    assert any("uv sync --locked --no-dev --no-default-groups" in run for run in build.all("RUN"))
    assert not any("uv " in run or "pip " in run for run in runtime.all("RUN")), "installs belong to the build stage"
    assert runtime.all("USER")
    assert runtime.all("USER")[-1] not in ("root", "0")
    assert json.loads(runtime.all("CMD")[-1]) == ["gunicorn", "wsgi:app"]
    assert runtime.env()["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/")
    assert runtime.env()["APP_ENV"] == "production"
    assert runtime.all("HEALTHCHECK")


def test_image_has_runtime_dependencies_only(image):
    workdir, _ = image
    python = workdir / ".venv" / "bin" / "python"
    probe = "import importlib.util as u, sys; print([m for m in sys.argv[1:] if u.find_spec(m)])"

    found = subprocess.run([python, "-c", probe, *DEV_ONLY_MODULES], capture_output=True, text=True, timeout=30)

    assert found.stdout.strip() == "[]", found.stderr
    assert (workdir / "app" / "grpc_gen" / "memvid" / "v1" / "memvid_pb2_grpc.py").is_file()
    assert not (workdir / "tests").exists()


def test_service_starts_from_the_image_install(image, tmp_path):
    workdir, runtime = image
    bin_dir = workdir / ".venv" / "bin"
    port = free_port()
    with upstreams() as (memvid, llm):
        env = {
            **{k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "TZ")},
            **runtime.env(),
            **stack_env(memvid, llm),
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "PORT": str(port),
            "HOME": str(tmp_path / "nonexistent"),  # the image's user has no home directory
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        }
        command = json.loads(runtime.all("CMD")[-1])
        healthcheck = json.loads(runtime.all("HEALTHCHECK")[-1].split(" CMD ", 1)[1])
        log_path = tmp_path / "service.log"
        with log_path.open("wb") as log_file:
            # As the image does: the CMD from WORKDIR, found on a PATH that leads to the venv.
            process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log_file, stderr=log_file)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_ready(url + "/health", process, log_path)
            healthy = subprocess.run(healthcheck, cwd=workdir, env=env, capture_output=True, timeout=10)
            answer = requests.post(url + "/api/v1/chat", json={"message": "Kubernetes?"}, timeout=20)
            metrics = requests.get(url + "/metrics", timeout=10).text
        finally:
            stop(process, signal.SIGTERM, timeout=15)
        after_stop = subprocess.run(healthcheck, cwd=workdir, env=env, capture_output=True, timeout=10)

    assert healthy.returncode == 0, healthy.stderr
    assert events(answer.content)[-1]["type"] == "done"
    assert 'chat_streams_total{outcome="completed"} 1.0' in metrics
    assert process.returncode == 0, log_path.read_text()
    assert after_stop.returncode == 1


def test_one_off_command_runs_in_the_image_without_gunicorn(image, tmp_path):
    workdir, runtime = image
    env = {
        **runtime.env(),
        "PATH": f"{workdir / '.venv' / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path / "nonexistent"),
        # Set by the image, but no gunicorn master has created it.
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "not-yet"),
        "MEMVID_GRPC_URL": "127.0.0.1:9",
        "OPENROUTER_API_KEY": "sk-test-not-used",
    }

    result = subprocess.run(
        ["flask", "--app", "wsgi", "routes"], cwd=workdir, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert "/api/v1/chat" in result.stdout
