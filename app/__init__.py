"""AI Resume API: answers recruiters' questions about a resume, streamed as SSE.

The app factory lives in `app.factory`; this package stays import-light so that
gunicorn.conf.py can read settings before gevent patches the standard library.
"""

__version__ = "0.2.0"
