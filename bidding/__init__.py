"""Tender cases, bids and award, contracts, inspections, e-bid and budget imports (SPEC CM2-CM8).

Not built yet: the package has no tables and no screens; its issues build it in the registry's shape."""

from __future__ import annotations

MODEL_MODULES: tuple[str, ...] = ()


def init_app(app, mode: str) -> None:
    """Nothing to wire yet (the factory lists every package, so a missing hook fails loudly)."""
