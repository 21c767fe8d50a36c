"""Contractor registry (業者登録) and qualification applications (SPEC CM1, QA1-QA4). Routes come with issue 4."""

from flask import Blueprint

bp = Blueprint("registry", __name__, url_prefix="/registry")
