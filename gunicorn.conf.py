"""gunicorn settings: gevent workers, everything tunable from the environment.

Keep the top of this file free of imports that gevent's monkey-patching must precede
(ssl, requests, grpc): the master imports this file before it forks the workers, and the
workers patch the standard library only after the fork.
"""

import os

from app.config import load_settings

# Validates every setting now, in the master: a bad value stops start-up with one line.
_settings = load_settings()

worker_class = "gevent"
bind = f"0.0.0.0:{_settings.port}"  # a --bind on the command line overrides this
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
# Each open SSE stream holds one connection; extra requests queue, they are not refused.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
# For gevent workers this is a heartbeat of the event loop, not a request time limit.
timeout = int(os.environ.get("WORKER_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("KEEPALIVE", "5"))
# No preloading: every worker creates its own gRPC channel after the fork.
preload_app = False
# gunicorn >= 25.1 creates a control socket under $HOME; containers are read-only.
control_socket_disable = True


def _on_gevent_event(event: object) -> None:
    # grpcio is C code that gevent's patching cannot reach: make it cooperative once per
    # worker, after the stdlib is patched and before any channel exists. post_fork runs
    # before the patching, so the gevent patch event is the reliable moment.
    from gevent.events import GeventDidPatchBuiltinModulesEvent

    if isinstance(event, GeventDidPatchBuiltinModulesEvent):
        from app.grpc_gevent import make_grpc_cooperative

        make_grpc_cooperative()


def on_starting(server: object) -> None:
    import zope.event

    if _on_gevent_event not in zope.event.subscribers:
        zope.event.subscribers.append(_on_gevent_event)


def post_worker_init(worker: object) -> None:
    from app import shutdown

    shutdown.watch(worker, graceful_timeout)
