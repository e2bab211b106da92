"""A stand-in collector for `--tracing`: accepts OTLP/HTTP exports and throws them away.

    python -m bench.otlp_sink

prints `READY <port>`; `GET /stats` returns the exports and bytes received so far. It
does not decode the protobuf: the bench measures what exporting costs the service.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_received = {"exports": 0, "bytes": 0}
_lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the exporter keeps its connection open between batches

    def do_POST(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(size)
        with _lock:
            _received["exports"] += 1
            _received["bytes"] += size
        self._reply(b"", "application/x-protobuf")  # an empty ExportTraceServiceResponse

    def do_GET(self) -> None:
        with _lock:
            body = json.dumps(_received).encode()
        self._reply(body, "application/json")

    def _reply(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    """Serve until terminated."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    print("READY", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
