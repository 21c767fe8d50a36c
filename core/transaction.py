"""The one way a view writes: run service calls in a block that commits once or rolls back.

Views never call ``commit()`` or ``rollback()`` themselves (DESIGN, "view transaction helper")::

    form = ContractorForm()
    if form.validate_on_submit():
        with transaction(form) as tx:
            contractor = services.create_contractor(db.session, current_user, **form.values())
        if tx.ok:
            flash(...)
            return redirect(...)
    return render_template(..., form=form, general_errors=general_errors())

On leaving the block:

* nothing raised: the session is committed once (a failing commit, e.g. a unique index the service did not
  foresee, rolls back and propagates as a server error);
* ``ValidationFailed``: rolled back, each message put on its form field (``tx.general`` keeps the messages
  that belong to no field, also readable later through :func:`general_errors`), ``tx.ok`` is False;
* any other ``DomainError`` (``InvalidTransition``, a refused state change …): rolled back, the message
  kept in ``tx.general`` and flashed when ``flash_errors`` is set, ``tx.ok`` is False;
* ``PermissionDenied`` and ``NotFound`` are not swallowed: the app's handlers answer 403/404 (and roll back);
* anything else: rolled back and re-raised (the 500 page).

Failures are swallowed so the view can re-render its form with the errors, the normal flow of a form page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import TracebackType

from flask import flash, g

from core.db import begin_write, db
from core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from core.formtools import apply_errors


@dataclass
class Transaction:
    form: object | None = None
    flash_errors: bool = False
    #: Check only: a block that succeeds is rolled back too (a dry run reports what it would change).
    dry_run: bool = False
    ok: bool = False
    #: Messages that belong to no form field (or every message when there is no form).
    general: list[str] = field(default_factory=list)
    #: The field errors as the service raised them, for views that show them somewhere else.
    errors: dict[str, list[str]] = field(default_factory=dict)

    def __enter__(self) -> Transaction:
        # A GET request reads in a deferred transaction; its writes take SQLite's write lock first (core.db).
        begin_write(db.session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 _tb: TracebackType | None) -> bool:
        session = db.session
        if exc is None:
            if self.dry_run:
                session.rollback()
                self.ok = True
                return False
            try:
                session.commit()
            except BaseException:
                session.rollback()
                raise
            self.ok = True
            return False
        session.rollback()
        if isinstance(exc, PermissionDenied | NotFound) or not isinstance(exc, DomainError):
            return False  # the app's error handlers answer (403, 404, 500)
        if isinstance(exc, ValidationFailed):
            self.errors = exc.errors
            self.general = apply_errors(self.form, exc) if self.form is not None else \
                [m for messages in exc.errors.values() for m in messages]
        else:
            self.general = [str(exc)]
        g.setdefault("general_errors", []).extend(self.general)
        if self.flash_errors:
            for message in self.general:
                flash(message, "error")
        return True


def transaction(form=None, *, flash_errors: bool = False, dry_run: bool = False) -> Transaction:
    """A block whose service calls are committed together, or rolled back with their errors kept
    (``dry_run``: always rolled back, for a check before the real run)."""
    return Transaction(form=form, flash_errors=flash_errors, dry_run=dry_run)


def general_errors() -> list[str]:
    """Messages of the failed transactions of this request that belong to no form field."""
    return list(g.get("general_errors", []))
