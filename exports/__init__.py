"""Forms (帳票) as PDF and Excel with preview, EUC search and CSV handover (SPEC CM10, CM11, NF11).

Forms: ``exports.forms`` holds the definitions (see its docstring to add one), ``exports.render`` the PDF and
Excel renderers, ``exports.views`` the pages and downloads, ``exports.cli`` the ``flask form`` command.
"""

from flask import Blueprint

bp = Blueprint("exports", __name__, url_prefix="/exports")

from . import views  # noqa: E402,F401  (routes attach to ``bp`` before the factory registers it)


def init_app(app) -> None:
    """Called by the app factory: CLI command, menu item and the operation label of form output."""
    from core import menu
    from core.audit.queries import register_operations

    from . import forms
    from .cli import form_command

    app.cli.add_command(form_command)
    register_operations({"form.output": "帳票出力"})
    roles = forms.roles_in_use()
    if roles:
        menu.register("帳票", "帳票一覧", "exports.form_list", roles, ("exports.form_preview",))
