"""Forms (帳票) as PDF and Excel with preview, EUC search and CSV handover (SPEC CM10, CM11, NF11).

Forms: ``exports.forms`` holds the definitions (see its docstring to add one), ``exports.render`` the PDF and
Excel renderers, ``exports.views`` the pages and downloads, ``exports.cli`` the ``flask form`` command.
"""

from __future__ import annotations

#: exports reads every package's queries and owns no table.
MODEL_MODULES: tuple[str, ...] = ()


def init_app(app, mode: str) -> None:
    """Called by the app factory: screens (staff side only), CLI command, menu item, operation label."""
    from core import menu
    from core.audit.queries import register_operations

    from . import forms
    from .cli import form_command

    app.cli.add_command(form_command)
    register_operations({"form.output": "帳票出力"})
    if mode == "portal":
        return
    from .views import bp

    app.register_blueprint(bp)
    roles = forms.roles_in_use()
    if roles:
        menu.register_group(app, "帳票", 60)
        menu.register(app, "帳票", "帳票一覧", "exports.form_list", roles, ("exports.form_preview",))
