"""WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi ...`."""

import gc

from app.worker import metrics_dir

# Before the app's modules define their metrics: gunicorn's master has made this directory,
# but a one-off `flask --app wsgi ...` in the container (the image sets the variable) has none.
metrics_dir.ensure_exists()

from app.factory import create_app  # noqa: E402 (after the directory exists)

app = create_app()

# Garbage-collector tuning for a long-lived worker (measured with bench/, see
# bench/README.md): everything built so far lives as long as the process, so freeze
# it out of every later collection; and collect the young generation every 20,000 net
# allocations instead of 700, so a busy worker does not spend ~6% of its CPU walking a
# few hundred thousand objects. Cyclic garbage lives a little longer in exchange.
gc.freeze()
gc.set_threshold(20_000, 20, 20)
