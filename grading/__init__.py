"""Construction performance grading (工事成績評定, SPEC GR1-GR6).

Not built yet: the package has no tables and no screens; its issue builds it in the registry's shape."""

from __future__ import annotations

MODEL_MODULES: tuple[str, ...] = ()


def init_app(app, mode: str) -> None:
    """Nothing to wire yet (the factory lists every package, so a missing hook fails loudly)."""
