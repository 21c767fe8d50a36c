"""File imports with mapping profiles, dry run, row-level report and atomic commit (SPEC CM7, CM8, CM12)."""

from __future__ import annotations


def init_app(app, mode: str) -> None:
    from core import menu
    from core.audit.queries import register_operations
    from core.auth.importers import UsersImport
    from core.auth.roles import Role

    from .cli import import_command
    from .kinds import register_kind
    from .views import bp

    register_kind(UsersImport(app.config["PASSWORD_HASH_METHOD"]))
    app.register_blueprint(bp)
    app.cli.add_command(import_command)
    menu.register(app, "システム管理", "データ取込", "imports.upload", [Role.SYSTEM_ADMIN], ("imports.batch",))
    menu.register(app, "システム管理", "取込プロファイル", "imports.profile_list", [Role.SYSTEM_ADMIN],
                  ("imports.profile_new", "imports.profile_edit"))
    register_operations(
        {"import.dry_run": "取込の事前確認", "import.commit": "取込", "import.blocked": "取込（中止）",
         "import.failed": "取込失敗", "import.interrupted": "取込の中断", "import_profile.save": "取込プロファイル保存",
         "import_profile.deactivate": "取込プロファイル無効化"},
        {"import_batches": "取込", "import_profiles": "取込プロファイル"})
