"""WSGI entry point: `gunicorn wsgi:app` and `flask --app wsgi ...`."""

from app.factory import create_app

app = create_app()
