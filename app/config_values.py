"""The settings whose values are addresses, each checked as the code that dials it reads it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_MISREAD_AS_PATTERN = frozenset("*\\]?$^[]()")  # flask-cors takes an origin holding one for a regex


def origin(entry: str) -> str:
    """Return `entry` as a browser sends its Origin, or raise ValueError when it cannot be one."""
    parts = urlsplit(entry.removesuffix("/"))
    try:
        port = parts.port
    except ValueError:
        port = -1
    usable = (
        parts.scheme.lower() in _DEFAULT_PORTS
        and parts.hostname
        and port != -1
        and not (parts.path or parts.query or parts.fragment or "#" in entry or parts.username is not None)
        and _MISREAD_AS_PATTERN.isdisjoint(parts.netloc)
    )
    if not usable:
        raise ValueError(f"{entry[:100]!r} is not an origin such as https://jobs.example.com")
    scheme, host = parts.scheme.lower(), _ascii_host(str(parts.hostname), entry)
    return f"{scheme}://{host}" if port in (None, _DEFAULT_PORTS[scheme]) else f"{scheme}://{host}:{port}"


def _ascii_host(host: str, entry: str) -> str:
    # A browser sends an internationalised host in its ASCII (punycode) form: "café.example"
    # arrives as "xn--caf-dma.example", and would otherwise never match.
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError(f"{entry[:100]!r} is not an origin such as https://jobs.example.com") from None


_HOST = re.compile(r"[A-Za-z0-9._-]+")
_IPV6 = re.compile(r"[0-9A-Fa-f:.]+")
_HOST_PORT = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(?P<port>\d{1,5})")


def redis_address(value: str | None) -> str | None:
    """Return `value` when redis-py can read it as a URL (its scheme and port rules)."""
    # Checked at start-up, not when the first worker connects: a bad URL crashed every worker
    # with a traceback that never named the variable. Without importing redis-py into
    # gunicorn's master (it imports ssl, which gevent must patch first in the workers).
    if value is not None:
        try:
            parts = urlsplit(value)
            _ = parts.port  # raises ValueError when the port is not a number
            valid = parts.scheme in ("redis", "rediss", "unix")
        except ValueError:
            valid = False
        if not valid:
            raise ValueError("must be a URL such as redis://host:6379/0 (redis://, rediss:// or unix://)")
        # redis-py reads "/abc" as no database at all and quietly uses 0: sessions of another
        # service on a shared Redis would mix with these.
        database = parts.path.strip("/") if parts.scheme != "unix" else ""
        if database and not database.isdigit():
            raise ValueError(f"the database after the port must be a number such as /0 (got /{database[:20]})")
        # A `?db=` that is no number passes here and crashes every worker in redis-py.
        if any(not value.isdigit() for value in parse_qs(parts.query).get("db", [])):
            raise ValueError("the db= query value must be a number such as ?db=0")
    return value


def http_address(value: str) -> str:
    """Return `value` when it is an http(s) URL with a host that requests can dial."""
    # With a key set, "foo" crashed every worker at its first call, with a traceback.
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        valid = (
            parts.scheme in _DEFAULT_PORTS
            and parts.port != 0
            and not any(c.isspace() for c in value)
            and (_HOST.fullmatch(host) is not None or _IPV6.fullmatch(host) is not None)
        )
    except ValueError:
        valid = False
    if not valid:
        raise ValueError("must be an http:// or https:// URL such as https://openrouter.ai/api/v1")
    return value


def grpc_address(value: str | None) -> str | None:
    """Return `value` when gRPC can dial it: host:port, or a target of one of gRPC's resolvers."""
    # "http://memvid:50051" was taken, never connected, and the service stayed degraded.
    if value is None or _is_grpc_target(value):
        return value
    raise ValueError("must be a gRPC target such as memvid:50051 or dns:///memvid:50051 (not an http:// URL)")


def _is_grpc_target(value: str) -> bool:
    scheme, colon, rest = value.partition(":")
    if colon and scheme in ("unix", "unix-abstract"):
        return bool(rest.strip("/"))
    if colon and scheme == "dns":  # dns:[//authority/]host[:port]
        endpoint = rest.removeprefix("//").partition("/")[2] if rest.startswith("//") else rest
        return _HOST.fullmatch(endpoint) is not None or _endpoint(endpoint)
    if colon and scheme in ("ipv4", "ipv6"):
        return all(_endpoint(address) for address in rest.split(","))
    return _endpoint(value)


def _endpoint(text: str) -> bool:
    found = _HOST_PORT.fullmatch(text)
    return found is not None and 0 < int(found["port"]) < 65536
