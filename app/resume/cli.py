"""`flask memvid ...`: commands that build and inspect memvid files.

`memvid_cli` is the group: `ingest` builds a `.mv2` from a resume, `serve` runs the memvid gRPC server on one.
memvid-sdk is imported inside the commands, so registering the group costs nothing and
works on an install without the embedded engine.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.resume.model import ResumeFormatError

memvid_cli = AppGroup("memvid", help="Build and inspect memvid (.mv2) files.")


@memvid_cli.command("ingest")
@click.argument("resume", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The .mv2 file to write (replaced only if the build succeeds).",
)
def ingest(resume: Path, out: Path) -> None:
    """Build a .mv2 file from RESUME (markdown, SPEC §10 format)."""
    from app.resume.ingest import MAX_RESUME_BYTES, IngestError, ingest_resume

    try:
        size = resume.stat().st_size
        if size <= MAX_RESUME_BYTES:  # else refused at once, before any embedding
            # Every sentence is embedded: seconds for a resume, minutes near the size limit.
            click.echo(f"Reading {resume} ({size:,} bytes) and embedding its sentences...", err=True)
        document = ingest_resume(resume, out)
    except ResumeFormatError as error:
        raise click.ClickException(f"{resume}: {error}") from None
    except IngestError as error:
        raise click.ClickException(str(error)) from None
    except OSError as error:  # "[Errno 17] File exists: 'README.md'" does not say what was being done
        where = f" ({error.filename})" if error.filename else ""
        raise click.ClickException(f"cannot read {resume} or write {out}: {error.strerror or error}{where}") from None
    for note in document.notes:
        click.echo(f"Note: {resume}: {note}", err=True)
    name = document.profile.name or "(no name)"
    click.echo(f"Wrote {out}: {len(document.frames)} frames, profile of {name}.")


@memvid_cli.command("serve")
@click.option(
    "--file",
    "file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The .mv2 file to serve.",
)
@click.option("--port", default=50051, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
def serve(file: Path, port: int, host: str) -> None:
    """Serve FILE.mv2 over gRPC (memvid.v1, SPEC §6) until Ctrl-C or SIGTERM."""
    from app.retrieval.embedded import EmbeddedMemvidBackend
    from app.retrieval.grpc_server import run_until_signalled
    from app.retrieval.grpc_server import serve as serve_grpc

    backend = EmbeddedMemvidBackend(file)
    try:
        health = backend.health(timeout=5.0)
        if not health.connected:
            raise click.ClickException(f"{file}: not a readable memvid file.")
        try:
            server = serve_grpc(backend, host=host, port=port)
        except OSError as error:
            raise click.ClickException(str(error)) from None
        line = f"memvid.v1 gRPC on {server.address}: {file} ({health.frame_count} frames); Ctrl-C stops."
        run_until_signalled(server, on_ready=lambda: click.echo(line))
    finally:
        backend.close()
