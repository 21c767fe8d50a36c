"""Forms (帳票) as PDF and Excel with preview, EUC search and CSV handover (SPEC CM10, CM11, NF11)."""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")
