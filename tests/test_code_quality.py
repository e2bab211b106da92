"""Lint, format and type checks run with the suite, so one command proves all of it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.servers import ROOT

CHECKS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "."],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "."],
    "mypy": [sys.executable, "-m", "mypy", "app/"],
}


@pytest.mark.parametrize("name", CHECKS)
def test_code_is_clean(name):
    result = subprocess.run(CHECKS[name], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
