"""What the applicant portal and the staff review both show or hand out: the filed data's display values, a
stored attachment, and the applicant's mails (not routes: the view modules of both sides import these)."""

from __future__ import annotations

import io

from flask import abort, flash, send_file

from core import mail
from core.db import db
from core.storage import Storage
from registry.codes import work_types
from registry.qualifications.ranks.periods import period_label, qualification_period

from . import attachments as files
from . import content
from .models import Application


def display_data(application: Application) -> dict:
    """Display values of the filed data for ``registry/_app_section.html`` (applicant and staff alike)."""
    data = application.data or {}
    view = {"names": {wt.code: f"{wt.code} {wt.title}" for wt in work_types(db.session).values()},
            "roles": content.WORK_ROLES,
            "declarations": [(text, bool((data.get("declarations") or {}).get(code)))
                             for code, text in content.declaration_items(db.session)],
            "mismatches": {i: content.keishin_p_mismatch(r) for i, r in enumerate(data.get("keishin") or [])},
            "titles": {code: row["title"] for code, row in content.document_items(db.session)}}
    if application.period_start_year:
        view["period"] = period_label(db.session, *qualification_period(db.session, application.period_start_year))
    return view


def send_attachment(attachment):
    """The stored file, always as a download under the applicant's file name (never shown inline)."""
    path = Storage.for_app().path(files.AREA, attachment.stored_name)
    if not path.exists():
        abort(404)
    # Read whole (10 MB at most by the upload limit) so no file handle outlives the request.
    return send_file(io.BytesIO(path.read_bytes()), mimetype=attachment.content_type, as_attachment=True,
                     download_name=attachment.original_name, max_age=0)


def send_to_applicant(message) -> None:
    """Send a mail of the portal after the commit; a failure is told on the screen, never raised."""
    if not mail.send_quietly(message):
        flash("メールを送信できませんでした。時間をおいてもう一度お試しください。", "error")
