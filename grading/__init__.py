"""Construction performance grading (工事成績評定, SPEC GR1-GR6).

Not built yet beyond its rules: no tables and no screens; its issue builds it in the registry's shape."""

from __future__ import annotations

MODEL_MODULES: tuple[str, ...] = ()


def init_app(app, mode: str) -> None:
    """The grading rules (the deadlines of 説明請求 and 不服申立て) are defined for the rules screens."""
    from . import rules  # noqa: F401  (defines the package's versioned settings)
