"""`flask memvid ingest`: what it prints, and how it refuses a malformed resume."""

from __future__ import annotations

import flask
import pytest

from app.config import EXAMPLE_RESUME
from app.resume.cli import memvid_cli


@pytest.fixture
def runner():
    app = flask.Flask(__name__)
    app.cli.add_command(memvid_cli)
    return app.test_cli_runner()


def test_ingest_writes_the_file_and_says_what_it_wrote(runner, tmp_path):
    out = tmp_path / "nested" / "resume.mv2"

    result = runner.invoke(args=["memvid", "ingest", str(EXAMPLE_RESUME), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert out.is_file()
    said, wrote = result.output.splitlines()  # the first on stderr: minutes may pass before the second
    assert said == f"Reading {EXAMPLE_RESUME} ({EXAMPLE_RESUME.stat().st_size:,} bytes) and embedding its sentences..."
    assert wrote.startswith(f"Wrote {out}: ")
    assert wrote.endswith("frames, profile of Elena Marsh.")


def test_malformed_resume_prints_the_line_and_exits_1(runner, tmp_path):
    source = tmp_path / "resume.md"
    source.write_text("---\nname: Ada\ntags: aws\n---\n## Summary\ntext\n", encoding="utf-8")
    out = tmp_path / "resume.mv2"

    result = runner.invoke(args=["memvid", "ingest", str(source), "--out", str(out)])

    assert result.exit_code == 1
    assert f"Error: {source}: line 3: 'tags' must be a list" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_resume_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["memvid", "ingest", str(tmp_path / "nope.md"), "--out", str(tmp_path / "x.mv2")])

    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_out_is_required(runner):
    result = runner.invoke(args=["memvid", "ingest", str(EXAMPLE_RESUME)])

    assert result.exit_code == 2
    assert "--out" in result.output


def test_group_takes_more_commands():
    assert isinstance(memvid_cli, flask.cli.AppGroup)
    assert "ingest" in memvid_cli.commands


def test_an_output_path_that_cannot_be_written_says_which_and_why(runner, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    result = runner.invoke(args=["memvid", "ingest", str(EXAMPLE_RESUME), "--out", str(blocker / "resume.mv2")])

    assert result.exit_code == 1
    assert f"or write {blocker / 'resume.mv2'}: " in result.output
    assert "Traceback" not in result.output


def test_what_ingest_left_out_is_said_on_stderr(runner, tmp_path):
    source = tmp_path / "resume.md"
    source.write_text("---\nname: Ada\n---\n## Summary\n\n## Education\nBSc, 2010.\n", encoding="utf-8")

    result = runner.invoke(args=["memvid", "ingest", str(source), "--out", str(tmp_path / "resume.mv2")])

    assert result.exit_code == 0, result.output
    assert f"Note: {source}: line 4: the section '## Summary' is empty and is left out" in result.stderr
    assert "Note:" not in result.stdout


def test_a_resume_with_dashes_as_people_type_them_is_ingested_and_told_the_documented_dash(runner, tmp_path):
    # "### Acme Corp - Role" and an editor's en dash were refused, one heading per run.
    source = tmp_path / "resume.md"
    source.write_text(
        "---\nname: Ada\n---\n## Experience\n### Acme Corp - Welder\n- Welded.\n"
        "### Initech \u2013 Analyst\n- Analysed.\n### Rolls-Royce — Fitter\n- Fitted.\n",
        encoding="utf-8",
    )
    out = tmp_path / "resume.mv2"

    result = runner.invoke(args=["memvid", "ingest", str(source), "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert out.is_file()
    notes = [line for line in result.stderr.splitlines() if line.startswith("Note:")]
    assert notes == [
        f"Note: {source}: line 5: '### Acme Corp - Welder' is read as 'Acme Corp — Welder'; "
        "the format's separator is an em dash ('—')",
        f"Note: {source}: line 7: '### Initech \u2013 Analyst' is read as 'Initech — Analyst'; "
        "the format's separator is an em dash ('—')",
    ]


def test_every_experience_heading_without_a_separator_is_refused_in_one_run(runner, tmp_path):
    source = tmp_path / "resume.md"
    source.write_text(
        "---\nname: Ada\n---\n## Experience\n### Umbrella Corp\n- a\n### Acme - Welder\n- b\n### Initech\n- c\n",
        encoding="utf-8",
    )
    out = tmp_path / "resume.mv2"

    result = runner.invoke(args=["memvid", "ingest", str(source), "--out", str(out)])

    assert result.exit_code == 1
    assert f"Error: {source}: line 5: experience headings must read 'Company — Role'" in result.output
    assert "these do not: '### Umbrella Corp' (line 5), '### Initech' (line 9)" in result.output
    assert not out.exists()


@pytest.mark.parametrize("out_name", ["resume.md", "notes.txt"])
def test_ingest_never_replaces_a_file_that_is_not_a_memvid_file(runner, tmp_path, out_name):
    # `--out resume.md` replaced the resume itself with the binary index.
    source = tmp_path / "resume.md"
    source.write_text(EXAMPLE_RESUME.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / out_name
    if not out.exists():
        out.write_text("my notes\n", encoding="utf-8")
    before = out.read_bytes()

    result = runner.invoke(args=["memvid", "ingest", str(source), "--out", str(out)])

    assert result.exit_code == 1
    assert f"{out} exists and is not a memvid file" in result.output
    assert out.read_bytes() == before


def test_ingest_through_a_symlink_replaces_the_file_it_names_not_the_link(runner, tmp_path):
    target = tmp_path / "releases" / "current.mv2"
    target.parent.mkdir()
    link = tmp_path / "resume.mv2"
    link.symlink_to(target)  # dangling until the first build

    result = runner.invoke(args=["memvid", "ingest", str(EXAMPLE_RESUME), "--out", str(link)])

    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert target.read_bytes().startswith(b"MV2\x00")
