"""GET /api/v1/version: the service's version and the git commit it was built from."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path
from typing import Any

from app import __version__
from app.api.openapi_doc import api_blueprint
from app.api.schemas import VersionResponse

bp = api_blueprint("version", __name__, "health", url_prefix="/api/v1")

COMMIT_ENV = "GIT_COMMIT"  # set by the image: `docker build --build-arg GIT_COMMIT=$(git rev-parse HEAD)`
_ROOT = Path(__file__).resolve().parents[2]


@bp.get("/version", summary="Version and git commit", responses={200: VersionResponse})
def version() -> dict[str, Any]:
    return VersionResponse(version=__version__, commit=commit()).model_dump()


def commit() -> str:
    """The build's commit: GIT_COMMIT when set, else the checkout's HEAD, else ""."""
    return os.environ.get(COMMIT_ENV, "").strip()[:64] or checkout_head(_ROOT)


@functools.cache
def checkout_head(root: Path) -> str:
    """The HEAD commit of the git checkout at `root`, or "" when it is not one (or git is missing)."""
    # Asked once per process: a checkout's HEAD does not change under a running server.
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=2, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()
