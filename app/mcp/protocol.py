"""Which MCP revision a request speaks, and the JSON-RPC errors a request can earn.

Two eras share the one endpoint (MCP 2026-07-28, "Versioning: backward compatibility"):

- modern (2026-07-28): every request carries its version, client info and capabilities in
  `params._meta`, mirrored in the `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name`
  headers, which must agree with the body;
- legacy (2024-11-05 to 2025-11-25): an `initialize` handshake picks the version, later
  requests name it in `MCP-Protocol-Version` (absent: 2025-03-26, as that revision allows).

No session is kept for either: every POST is answered on its own.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mcp_types import (
    CLIENT_CAPABILITIES_META_KEY,
    CLIENT_INFO_META_KEY,
    PROTOCOL_VERSION_META_KEY,
    UnsupportedProtocolVersionErrorData,
)
from mcp_types.jsonrpc import (
    HEADER_MISMATCH,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    UNSUPPORTED_PROTOCOL_VERSION,
)
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION, MODERN_PROTOCOL_VERSIONS

SUPPORTED_VERSIONS: tuple[str, ...] = (*reversed(MODERN_PROTOCOL_VERSIONS), *reversed(HANDSHAKE_PROTOCOL_VERSIONS))
DEFAULT_LEGACY_VERSION = "2025-03-26"  # what a request without MCP-Protocol-Version speaks
_NAME_PARAM = {"tools/call": "name", "resources/read": "uri", "prompts/get": "name"}

# JSON-RPC error code -> HTTP status. The modern transport requires 404 for an unknown
# method and 400 for header and version failures; legacy clients get their errors in a 200.
_MODERN_STATUS = {
    PARSE_ERROR: 400,
    INVALID_REQUEST: 400,
    INVALID_PARAMS: 400,
    HEADER_MISMATCH: 400,
    UNSUPPORTED_PROTOCOL_VERSION: 400,
    METHOD_NOT_FOUND: 404,
}


class RpcError(Exception):
    """A JSON-RPC error answer; `message` is safe to show to the client."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def http_status(self, *, modern: bool) -> int:
        """The HTTP status that carries this error."""
        if modern or self.code in (PARSE_ERROR, INVALID_REQUEST, UNSUPPORTED_PROTOCOL_VERSION):
            return _MODERN_STATUS.get(self.code, 200)
        return 200


@dataclass(frozen=True, slots=True)
class Negotiated:
    """The revision a request is answered in, and who sent it (for logs)."""

    version: str
    modern: bool
    client: str = ""


def negotiate(method: str, params: Mapping[str, Any] | None, headers: Mapping[str, str]) -> Negotiated:
    """Decide the revision of one request; raise RpcError when it cannot be served."""
    meta = params.get("_meta") if isinstance(params, Mapping) else None
    if isinstance(meta, Mapping) and PROTOCOL_VERSION_META_KEY in meta:
        return _modern(method, params or {}, meta, headers)
    if method == "initialize":
        requested = params.get("protocolVersion") if isinstance(params, Mapping) else None
        # The server answers with the client's version when it has it, else its own latest.
        version = requested if requested in HANDSHAKE_PROTOCOL_VERSIONS else LATEST_HANDSHAKE_VERSION
        return Negotiated(str(version), modern=False, client=_client_name(params, "clientInfo"))
    header = headers.get("mcp-protocol-version", DEFAULT_LEGACY_VERSION)
    if header in HANDSHAKE_PROTOCOL_VERSIONS:
        return Negotiated(header, modern=False)
    if header in MODERN_PROTOCOL_VERSIONS:
        raise RpcError(INVALID_PARAMS, f"params._meta must carry {PROTOCOL_VERSION_META_KEY!r}.")
    raise unsupported_version(header)


def unsupported_version(requested: str) -> RpcError:
    """The error that names the versions this server speaks."""
    data = UnsupportedProtocolVersionErrorData(supported=list(SUPPORTED_VERSIONS), requested=requested[:64])
    return RpcError(UNSUPPORTED_PROTOCOL_VERSION, "Unsupported protocol version", data.model_dump(mode="json"))


def _modern(method: str, params: Mapping[str, Any], meta: Mapping[str, Any], headers: Mapping[str, str]) -> Negotiated:
    version = meta[PROTOCOL_VERSION_META_KEY]
    if CLIENT_CAPABILITIES_META_KEY not in meta:
        raise RpcError(INVALID_PARAMS, f"params._meta must carry {CLIENT_CAPABILITIES_META_KEY!r}.")
    # Headers are checked before the version, so a client that disagrees with itself is told so.
    if headers.get("mcp-protocol-version") != version:
        raise RpcError(HEADER_MISMATCH, "The MCP-Protocol-Version header does not match params._meta.")
    if headers.get("mcp-method") != method:
        raise RpcError(HEADER_MISMATCH, "The Mcp-Method header does not match the request's method.")
    name_param = _NAME_PARAM.get(method)
    body_name = params.get(name_param) if name_param else None
    if body_name is not None and _decode_header(headers.get("mcp-name")) != body_name:
        raise RpcError(HEADER_MISMATCH, f"The Mcp-Name header does not match params.{name_param}.")
    if version not in MODERN_PROTOCOL_VERSIONS:
        raise unsupported_version(str(version))
    return Negotiated(version, modern=True, client=_client_name(meta, CLIENT_INFO_META_KEY))


def _decode_header(value: str | None) -> str | None:
    """Undo the `=?base64?…?=` form clients use for values that are not plain ASCII."""
    if value is None or not (value.startswith("=?base64?") and value.endswith("?=")):
        return value
    try:
        return base64.b64decode(value[9:-2], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None


def _client_name(container: Mapping[str, Any] | None, key: str) -> str:
    info = container.get(key) if isinstance(container, Mapping) else None
    name = info.get("name") if isinstance(info, Mapping) else None
    return name[:64] if isinstance(name, str) else ""
