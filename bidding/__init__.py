"""Tender cases, bids and award, contracts, inspections, e-bid and budget imports (SPEC CM2-CM8).

Not built yet beyond its rules: no tables and no screens; its issues build it in the registry's shape."""

from __future__ import annotations

MODEL_MODULES: tuple[str, ...] = ()


def init_app(app, mode: str) -> None:
    """The bidding rules (prices, rounding, case and contract numbers) are defined for the rules screens."""
    from . import price_rules, rules  # noqa: F401  (define the package's versioned settings)
    from .prices import init_app as init_prices

    init_prices(app, mode)
