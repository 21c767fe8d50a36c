"""The only entry point for servers: ``gunicorn wsgi:app`` / ``waitress-serve wsgi:app`` / ``flask --app wsgi``."""

import sys

from core import create_app
from core.config import ConfigError

try:
    app = create_app()
except ConfigError as exc:
    # A settings problem is the operator's to fix: say what, without a traceback.
    sys.exit(f"Keiyaku を起動できません（設定エラー）: {exc}")
