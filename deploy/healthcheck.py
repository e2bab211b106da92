"""Container health check: exit 0 while the API answers /health and can still chat.

"degraded" (memvid down, chat answers without resume context) counts as alive: the
fix is in the memvid container, and restarting this one would only drop open streams.
Standard library only; run as `python deploy/healthcheck.py` inside the image.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request


def main() -> int:
    """Return the exit status: 0 healthy or degraded, 1 otherwise."""
    url = f"http://127.0.0.1:{os.environ.get('PORT', '3000')}/health"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            status = json.load(response).get("status")
    except (OSError, ValueError) as error:
        print(f"health check failed: {error}", file=sys.stderr)
        return 1
    if status not in ("healthy", "degraded"):
        print(f"health check: status {status!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
