"""The tests' fake memvid gRPC server, run as its own process with resume-like answers.

    python -m bench.fake_memvid

prints `READY <grpc port> <stats port>`; `GET http://127.0.0.1:<stats port>/stats`
returns and resets the search count and the scheduling lag of the process (a threaded
server has no event loop: the probe is a thread whose 10 ms sleeps wake late when the
process is starved of CPU or of its GIL).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.loops import LagProbe
from tests.fake_memvid import FakeMemvid, FakeMemvidServer, hit

PROFILE = {
    "name": "Ada Example",
    "title": "Platform Engineer",
    "suggested_questions": [
        "What cloud experience does Ada have?",
        "Has Ada led a team?",
        "Is Ada open to remote work?",
    ],
    "skills": {"strong": ["Kubernetes", "Terraform", "Python"], "moderate": ["Go"], "gaps": ["COBOL"]},
}

_SNIPPET = (
    "Ran the Kubernetes platform on AWS for 40 product teams: EKS, Terraform modules, Argo CD. "
    "Cut the cloud bill by a third with right-sizing and spot capacity, and led six engineers "
    "through the migration from a hand-built cluster. On call for the platform; wrote the runbooks."
)
HITS = [
    hit(title, score, f"{title}. {_SNIPPET}", tags)
    for title, score, tags in (
        ("Experience — Cloudco — Staff Platform Engineer", 9.5, ("cloud", "kubernetes")),
        ("Experience — Datafirm — Senior SRE", 8.1, ("aws", "sre")),
        ("Skills", 7.2, ("skills",)),
        ("Summary", 6.0, ()),
        ("FAQ — Is Ada open to remote work?", 5.5, ("remote",)),
        ("Education", 3.1, ()),
    )
]


def _stats_server(fake: FakeMemvid, probe: LagProbe) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({**probe.summary(), "calls": len(fake.requests)}).encode()
            probe.reset()
            fake.requests.clear()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def main() -> None:
    """Serve until terminated."""
    server = FakeMemvidServer(FakeMemvid(hits=HITS, profile_json=json.dumps(PROFILE), frame_count=len(HITS)))
    server.start()
    probe = LagProbe()
    probe.start_thread()
    stats = _stats_server(server.fake, probe)
    print("READY", server.port, stats.server_address[1], flush=True)
    threading.Thread(target=stats.serve_forever, daemon=True).start()
    threading.Event().wait()


if __name__ == "__main__":
    main()
