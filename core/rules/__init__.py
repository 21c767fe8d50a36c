"""Rules that change with laws or city regulations, looked up by date (SPEC CM13, NF9), and the holiday calendar.

Public API::

    from core.rules import get_rule, deadline_for, is_business_day, add_days
    get_rule(session, "min_price.works", day)        # values in force on ``day`` (typed: Decimal rates)
    deadline_for(session, "some_deadline", start, rule_key="package.deadlines")  # a package's deadline table
    is_business_day(session, day)

A package defines its own rule keys with ``core.rules.catalogue.define_rule`` (see ``builtin.py``).
"""

from __future__ import annotations

from .calendar import add_days, deadline_for, is_business_day
from .queries import RuleNotInForce, RuleTimeline, get_rule, rule_history, rule_in_force

__all__ = ["RuleNotInForce", "RuleTimeline", "add_days", "deadline_for", "get_rule", "init_app", "is_business_day",
           "rule_history", "rule_in_force"]


def init_app(app, mode: str) -> None:
    """Register the screens, their menu items and the operation labels (called by the app factory)."""
    from core import menu
    from core.audit.queries import register_operations
    from core.auth.roles import Role

    from .cli import rules_cli
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(rules_cli)
    admin = [Role.SYSTEM_ADMIN]
    menu.register(app, "システム管理", "ルール設定", "rules.rule_list", admin, ("rules.rule_detail", "rules.rule_version_new"))
    menu.register(app, "システム管理", "休日", "rules.holiday_list", admin, ("rules.holiday_new", "rules.holiday_edit"))
    register_operations(
        {
            "rule.add_version": "ルール設定の版を登録",
            "holiday.create": "休日登録",
            "holiday.update": "休日変更",
            "holiday.deactivate": "休日無効化",
            "holiday.reactivate": "休日再有効化",
            "holiday.bulk_create": "国民の祝日の一括登録",
        },
        {"rule_versions": "ルール設定", "holidays": "休日"},
    )
