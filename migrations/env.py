"""Alembic environment: target metadata is every model the app factory registers."""

from alembic import context

from core.db import make_engine
from core.factory import import_models

target_metadata = import_models()
config = context.config

#: Objects that a migration makes for one engine only and the models cannot describe, left out of the
#: comparison (``db check``), all from migration 3f1c2a9d7e60: the contractor name search's FTS5 table with its
#: shadow tables (SQLite); its pg_trgm and pattern indexes, and the covering indexes of contractor_registrations
#: and registered_work_types that the list reads (PostgreSQL).
ENGINE_SPECIFIC = {
    "table": {"contractor_search", "contractor_search_config", "contractor_search_content", "contractor_search_data",
              "contractor_search_docsize", "contractor_search_idx"},
    "index": {"ix_contractors_search_key_trgm", "ix_contractors_number_prefix", "ix_contractor_registrations_id_filter",
              "ix_registered_work_types_registration_rows"},
}


def include_name(name, type_, _parent_names):
    return name not in ENGINE_SPECIFIC.get(type_, ())


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True, compare_type=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection):
    # render_as_batch: SQLite cannot ALTER most things, batch mode rebuilds the table instead.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
