"""The grade database's statistics and uses (SPEC GR5, CM9): figures per contractor, 業種, 担当課 and 年度 with
server-drawn charts, the 主観点 fed into the registry, and the 優良工事 candidates."""

from __future__ import annotations


def init_statistics(app, grading_cli) -> None:
    """The ``flask grading feed-points`` command and the demo's past grades (after the registry's and bidding's
    demo loaders, which ``grading`` follows in the app factory)."""
    from core.cli import register_demo_loader

    from .cli import register_commands
    from .demo import load_demo

    register_commands(grading_cli)
    register_demo_loader(app, load_demo)
