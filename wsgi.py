"""WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi ...`."""

import gc

from app.worker import metrics_dir

# Before the app's modules define their metrics: under gunicorn its master has made the
# multiprocess directory; a one-off `flask --app wsgi ...` keeps its metrics to itself.
metrics_dir.leave_to_the_server()

from app.factory import create_app  # noqa: E402 (after the metrics' mode is settled)

app = create_app()

# Garbage-collector tuning for a long-lived worker (measured with bench/, see
# bench/README.md): everything built so far lives as long as the process, so freeze
# it out of every later collection; and collect the young generation every 20,000 net
# allocations instead of 700, so a busy worker does not spend ~6% of its CPU walking a
# few hundred thousand objects. Cyclic garbage lives a little longer in exchange.
gc.freeze()
gc.set_threshold(20_000, 20, 20)
