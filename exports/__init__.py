"""Forms (帳票) as PDF and Excel with preview, EUC search and CSV handover (SPEC CM10, CM11, NF11).

Forms: ``exports.reports`` holds the definitions (see its docstring to add one), ``exports.render`` the PDF and
Excel renderers, ``exports.views`` the pages and downloads, ``exports.cli`` the ``flask report`` command.
"""

from __future__ import annotations

#: exports reads every package's queries and owns no table.
MODEL_MODULES: tuple[str, ...] = ()


def init_app(app, mode: str) -> None:
    """Called by the app factory: screens (staff side only), CLI command, menu item, operation label."""
    from core import menu
    from core.audit.queries import register_operations

    from . import reports
    from .cli import contracts_command, report_command

    app.cli.add_command(report_command)
    app.cli.add_command(contracts_command)
    # "form.output" labels the entries written before reports had their own word.
    register_operations({"report.output": "帳票出力", "form.output": "帳票出力"})
    if mode == "portal":
        return
    from .views import bp

    app.register_blueprint(bp)
    roles = reports.roles_in_use()
    if roles:
        menu.register_group(app, "帳票", 60)
        menu.register(app, "帳票", "帳票一覧", "exports.report_list", roles, ("exports.report_preview",))
