"""Extensions created unbound; the app factory binds them."""

from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from core.db import db

login_manager = LoginManager()
csrf = CSRFProtect()

__all__ = ["db", "login_manager", "csrf"]
