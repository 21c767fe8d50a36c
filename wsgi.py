"""The only entry point for servers: ``gunicorn wsgi:app`` / ``waitress-serve wsgi:app`` / ``flask --app wsgi``."""

from core import create_app

app = create_app()
