"""GET /api/v1/version: the version, and the commit from the image or the checkout."""

from __future__ import annotations

import subprocess

from app import __version__
from app.api import version
from tests.servers import ROOT


def test_commit_comes_from_the_build_argument(client, monkeypatch):
    monkeypatch.setenv("GIT_COMMIT", "0123abc")

    response = client.get("/api/v1/version")

    assert response.status_code == 200
    assert response.get_json() == {"version": __version__, "commit": "0123abc"}


def test_without_it_a_checkout_names_its_head(client, monkeypatch):
    monkeypatch.delenv("GIT_COMMIT", raising=False)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)

    assert client.get("/api/v1/version").get_json()["commit"] == head.stdout.strip()


def test_outside_a_checkout_the_commit_is_empty(tmp_path):
    assert version.checkout_head(tmp_path) == ""


def test_version_is_in_the_openapi_document(client):
    assert "get" in client.get("/openapi.json").get_json()["paths"]["/api/v1/version"]
