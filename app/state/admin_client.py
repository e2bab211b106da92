"""The cache CLI's client of the running service's /admin/ endpoint (app/api/admin.py).

It offers what `Inspector` offers, over HTTP, and turns every way of failing (no service,
wrong token, a timeout) into an AdminError with one sentence the CLI can print.
"""

from __future__ import annotations

from typing import Any

import requests

from app.state.inspection import UnknownCache

# (connect, read) seconds: a local service answers these in milliseconds.
TIMEOUT = (3.0, 10.0)


class AdminError(Exception):
    """The service could not be asked, or refused."""


class AdminClient:
    """Ask a running service about its sessions and caches."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.worker_pid: int | None = None  # the worker that answered last
        self.state_store = "memory"  # where that worker keeps its state: "memory" or "redis"

    def stats(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/admin/caches")["caches"])

    def sessions(self, limit: int) -> list[dict[str, Any]]:
        return list(self._call("GET", "/admin/sessions", params={"limit": limit})["sessions"])

    def session(self, session_id: str) -> dict[str, Any] | None:
        body = self._call("GET", f"/admin/sessions/{session_id}", missing_ok=True)
        return None if body is None else dict(body["session"])

    def clear(self, name: str | None) -> dict[str, int]:
        body = self._call("DELETE", "/admin/caches" + (f"/{name}" if name else ""), missing_ok=True)
        if body is None:
            raise UnknownCache(name)
        return dict(body["cleared"])

    def expire(self, session_id: str) -> bool:
        return self._call("DELETE", f"/admin/sessions/{session_id}", missing_ok=True) is not None

    def _call(self, method: str, path: str, *, missing_ok: bool = False, **options: Any) -> Any:
        headers = {"Authorization": f"Bearer {self._token}"}
        try:
            response = requests.request(method, self.base_url + path, headers=headers, timeout=TIMEOUT, **options)
        except requests.RequestException as error:
            raise AdminError(f"cannot reach the service at {self.base_url} ({type(error).__name__})") from None
        pid = response.headers.get("X-Worker-Pid", "")
        self.worker_pid = int(pid) if pid.isdigit() else None
        self.state_store = response.headers.get("X-State-Store", "memory")
        if response.status_code == 401:
            raise AdminError("the service refused the admin token (ADMIN_TOKEN differs from the service's)")
        if response.status_code == 404 and response.headers.get("Content-Type", "").startswith("application/json"):
            code = response.json().get("code")
            if missing_ok and code in ("session_not_found", "cache_not_found"):
                return None
            if code == "not_found":
                raise AdminError(f"the service at {self.base_url} has no admin endpoint (is ADMIN_TOKEN set there?)")
        if not response.ok:
            raise AdminError(f"the service answered {response.status_code} to {method} {path}")
        return response.json()
