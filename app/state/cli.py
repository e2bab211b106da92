"""`flask --app wsgi cache ...`: look into the running service's sessions and caches.

A CLI is its own process: with REDIS_URL set it reads Redis (what every worker and host
shares); else the running service's /admin/ endpoint (ADMIN_TOKEN, as the service has it),
answered by the one worker that took the request, which it names (pid).
"""

from __future__ import annotations

import json
import sys
import textwrap
import uuid
from typing import Any, NoReturn

import click
from flask.cli import AppGroup

from app.components import components
from app.state.admin_client import AdminClient, AdminError
from app.state.cli_format import describe_scope, removals_and_memory, utc_time, visible
from app.state.inspection import Inspector, UnknownCache
from app.state.redis_link import RedisDataError, RedisUnavailable

cache_cli = AppGroup("cache", help="Inspect and manage the running service's sessions and caches.")

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
yes_option = click.option("--yes", is_flag=True, help="Do not ask for confirmation.")


def _source() -> Inspector | AdminClient:
    parts = components()
    settings = parts.settings
    if settings.redis_url:
        # The health probe's cache is per worker even with Redis: this process's would be empty.
        caches = {name: c for name, c in parts.retriever.caches().items() if name != "health"}
        return Inspector(parts.sessions, caches, session_ttl=settings.session_ttl)
    if settings.admin_token is None:
        _fail("sessions live in the service's memory: set ADMIN_TOKEN (as the service has it) or REDIS_URL")
    url = settings.admin_url or f"http://127.0.0.1:{settings.port}"
    return AdminClient(url, settings.admin_token.get_secret_value())


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _run(action: Any) -> Any:
    """Run `action(source)`, turning an unreachable service or Redis into one clear line."""
    source = _source()
    try:
        return action(source)
    except AdminError as error:
        _fail(str(error))
    except RedisDataError as error:  # Redis answered: saying it does not sent the operator the wrong way
        _fail(
            f"Redis at {_redis_url()} holds data this version cannot read: {visible(error.redis_said, one_line=True)}"
        )
    except RedisUnavailable:
        _fail(f"Redis at {_redis_url()} does not answer")
    except UnknownCache:
        raise
    except Exception as error:  # an operator's CLI says what went wrong in one line, never a traceback
        _fail(f"unexpected {type(error).__name__}: {visible(str(error)[:200], one_line=True)}")


def _redis_url() -> str:
    link = components().redis
    return link.shown_url if link else "?"


def _scope(source: Inspector | AdminClient) -> dict[str, Any]:
    """Say whose state this is: Redis's (every worker and host) or one worker's memory."""
    if isinstance(source, AdminClient) and source.state_store == "redis":
        return {"state": "Redis, shared by every worker and host", "asked_worker_pid": source.worker_pid}
    if isinstance(source, AdminClient):
        return {"state": "one worker's memory (each worker holds its own)", "worker_pid": source.worker_pid}
    link = components().redis
    return {"state": "Redis, shared by every worker and host", "redis": link.shown_url if link else None}


@cache_cli.command("stats")
@json_option
def stats(as_json: bool) -> None:
    """Entries, hits, misses, evictions, expiries, approximate memory and TTL of every cache."""
    rows, scope = _run(lambda source: (source.stats(), _scope(source)))
    columns = ["name", "backend", "entries", "max_entries", "ttl_seconds", "hits", "misses", "hit_ratio"]
    shown = [{**row, **removals_and_memory(row)} for row in rows]
    _print("caches", rows if as_json else shown, scope, as_json, [*columns, "evictions", "expiries", "memory"])
    if not as_json and any(row.get("expiries") is None for row in rows):
        click.echo("# n/a: not counted, Redis expires (and under maxmemory evicts) the keys itself")


@cache_cli.command("list")
@click.argument("what", type=click.Choice(["sessions"]))
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@json_option
def list_sessions(what: str, limit: int, as_json: bool) -> None:
    """List sessions, newest first."""
    rows, scope = _run(lambda source: (source.sessions(limit), _scope(source)))
    shown = [{**row, **{name: utc_time(row[name]) for name in ("created", "last_active") if row[name] is not None},
              "unreadable": visible(row.get("unreadable") or "", one_line=True) or None} for row in rows]  # fmt: skip
    # A session another tool wrote is listed as such (`cache expire` forgets it), not a traceback.
    unreadable = ["unreadable"] if any(row.get("unreadable") for row in rows) else []
    columns = ["id", "created", "last_active", "messages", "expires_in", *unreadable]
    _print("sessions", rows if as_json else shown, scope, as_json, columns)


@cache_cli.command("show")
@click.argument("session_id", callback=lambda _context, _param, value: _session_id(value))
@json_option
def show(session_id: str, as_json: bool) -> None:
    """Show one conversation with its times."""
    session, scope = _run(lambda source: (source.session(session_id), _scope(source)))
    if session is None:
        _fail(f"no session {session_id} in {describe_scope(scope)[2:]}")
    if session.get("unreadable"):
        _fail(
            f"session {session_id} cannot be read: {visible(session['unreadable'], one_line=True)} (`cache expire` forgets it)"
        )
    if as_json:
        click.echo(json.dumps({"source": scope, "session": session}, indent=2))
        return
    click.echo(f"session {session['id']}: created {utc_time(session['created'])}, last active "
               f"{utc_time(session['last_active'])}, expires in {session['expires_in']:.0f} s")  # fmt: skip
    for offset, message in enumerate(session["messages"]):
        index = session["first_index"] + offset
        rating = session["feedback"].get(str(index))
        comment = f": {visible(rating['comment'], one_line=True)}" if rating and rating["comment"] else ""
        rated = f"  [rated {rating['rating']}{comment}]" if rating else ""
        # An answer keeps its line breaks (lists), indented so that none of its lines reads as the
        # CLI's own ("#3 … user:"); a question is shown, as written, on one line.
        content = visible(message["content"], one_line=message["role"] == "user")
        click.echo(f"\n#{index} {utc_time(message['at'])} {message['role']}:{rated}\n{textwrap.indent(content, '  ')}")


@cache_cli.command("clear")
@click.argument("name", required=False)
@yes_option
@json_option
def clear(name: str | None, yes: bool, as_json: bool) -> None:
    """Empty one cache (sessions, profile, retrieval, ...) or, without NAME, all of them."""
    settings = components().settings
    if name == "health" and settings.redis_url:
        # Listed by `stats` without Redis; with it, each worker keeps its own and none is in Redis.
        note = f"health: per worker, not in Redis; it expires within {settings.health_cache_seconds:g} s"
        click.echo(json.dumps({"cleared": {}, "note": note}, indent=2) if as_json else note)
        return
    # Checked before asking: "Clear bogus?" answered yes, then "no cache named 'bogus'".
    if name is not None and name not in _run(lambda source: [row["name"] for row in source.stats()]):
        _fail(f"no cache named {name!r}")
    if not yes:
        click.confirm(f"Clear {name or 'every cache'} of the running service?", abort=True)
    try:
        cleared, scope = _run(lambda source: (source.clear(name), _scope(source)))
    except UnknownCache:  # another worker's version answered the second call
        _fail(f"no cache named {name!r}")
    if as_json:
        click.echo(json.dumps({"source": scope, "cleared": cleared}, indent=2))
        return
    click.echo(describe_scope(scope))
    for cache_name, count in cleared.items():
        click.echo(f"{cache_name}: {count} entries cleared")


@cache_cli.command("expire")
@click.argument("session_id", callback=lambda _context, _param, value: _session_id(value))
@yes_option
@json_option
def expire(session_id: str, yes: bool, as_json: bool) -> None:
    """End one session now."""
    if not yes:
        click.confirm(f"Expire session {session_id}?", abort=True)
    expired, scope = _run(lambda source: (source.expire(session_id), _scope(source)))
    if not expired:
        _fail(f"no session {session_id} in {describe_scope(scope)[2:]}")
    click.echo(json.dumps({"source": scope, "expired": session_id}) if as_json else f"session {session_id} expired")


def _print(key: str, rows: list[dict[str, Any]], scope: dict[str, Any], as_json: bool, columns: list[str]) -> None:
    if as_json:
        click.echo(json.dumps({"source": scope, key: rows}, indent=2))
        return
    click.echo(describe_scope(scope))
    cells = [columns, *[["-" if row.get(c) is None else str(row[c]) for c in columns] for row in rows]]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    for line in cells:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


def _session_id(value: str) -> str:
    # As the API reads it: any UUID form ("D617F48A-…", no hyphens) names the lower-case id kept.
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise click.BadParameter(f"{value[:60]!r} is not a session id (a UUID)") from None
