"""Can the MCP SDK's asyncio server run per request inside a gevent worker? (It cannot.)

gunicorn's gevent worker serves each request in a greenlet of one thread. The SDK's server
is asyncio/anyio code; the only way to run it from a WSGI view is an event loop per request.
This starts four such loops in concurrent greenlets, as four overlapping requests would:
the first runs, the others fail with "Already running asyncio in this thread".

    uv run python -m bench.mcp_sdk_in_gevent
"""

from gevent import monkey

monkey.patch_all()

import time  # noqa: E402

import anyio  # noqa: E402
import gevent  # noqa: E402


async def _handler() -> None:
    await anyio.sleep(0.5)  # stands for the awaited I/O of one MCP request


def _one_request() -> str:
    try:
        anyio.run(_handler)
    except RuntimeError as error:
        return f"failed: {error}"
    return "ok"


def main() -> None:
    started = time.perf_counter()
    jobs = [gevent.spawn(_one_request) for _ in range(4)]
    gevent.joinall(jobs)
    outcomes = [job.value for job in jobs]
    print(f"4 overlapping requests in {time.perf_counter() - started:.2f}s: {outcomes}")


if __name__ == "__main__":
    main()
