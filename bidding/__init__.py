"""Tender cases, bids and award, contracts, inspections, e-bid and budget imports (SPEC CM2-CM8)."""

from flask import Blueprint

bp = Blueprint("bidding", __name__, url_prefix="/bidding")
