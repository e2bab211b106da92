"""HTTP connections that skip informational (1xx) responses before the real one.

http.client skips `100 Continue` only: any other 1xx (a CDN's or proxy's `103 Early Hints`, a
`102 Processing`) was taken for the final response, an empty body of status 103 that became
`llm_error`, while the real response stayed unread on a pooled connection. RFC 9110 §15.2: a
client must be able to parse one or more 1xx responses before the final one, and may ignore them.
"""

from __future__ import annotations

import http.client
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection

SWITCHING_PROTOCOLS = 101  # never asked for: left to be refused like any other unexpected status


class FinalResponse(http.client.HTTPResponse):
    """http.client's response, reading past informational responses to the final one."""

    def _read_status(self) -> tuple[str, int, str]:
        # Overrides http.client's private status-line reader: the one place its `begin` reads one.
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]  # private, not in typeshed
            if not 100 <= status < 200 or status == SWITCHING_PROTOCOLS:
                return version, status, reason
            http.client.parse_headers(self.fp)  # its headers (Link: ...): nothing to act on


class _HTTPConnection(HTTPConnection):
    response_class = FinalResponse


class _HTTPSConnection(HTTPSConnection):
    response_class = FinalResponse


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class FinalResponseAdapter(HTTPAdapter):
    """requests' adapter whose connections, direct or through an HTTP proxy, skip 1xx responses."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # a SOCKS manager has pools of its own kind
            manager.pool_classes_by_scheme = _POOLS
        return manager
