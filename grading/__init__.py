"""Construction performance grading (工事成績評定, SPEC GR1-GR6)."""

from flask import Blueprint

bp = Blueprint("grading", __name__, url_prefix="/grading")
