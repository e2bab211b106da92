"""create_app only wires: it makes no network call and writes no file."""

from __future__ import annotations

from app.factory import create_app


def test_create_app_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    index = tmp_path / "resume.mv2"

    app = create_app({"memvid_file": str(index)})

    assert app.extensions["resume_api"].retriever.backend_name == "embedded"
    assert list(tmp_path.iterdir()) == []
