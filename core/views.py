"""Home page and health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select, text

from core.auth.models import LoginHistory
from core.db import db
from core.permissions import any_user, public

bp = Blueprint("main", __name__)


@bp.route("/")
@any_user
def home():
    """Start page: the work waiting for the user (the queues the packages register and the user's roles may
    open), the menu as cards, the user's account and last logins."""
    from core.home import queues_for
    from core.menu import home_for
    from core.timefmt import today

    own_home = home_for(current_user)
    if own_home and own_home in current_app.view_functions:
        return redirect(url_for(own_home))
    recent = db.session.scalars(
        select(LoginHistory).where(LoginHistory.user_id == current_user.id,
                                   LoginHistory.result.in_(("success", "failure", "locked")))
        .order_by(LoginHistory.at.desc()).limit(5)
    ).all()
    return render_template("core/home.html", recent_logins=recent,
                           queues=queues_for(current_user, db.session, today()))


@bp.route("/healthz")
@public
def healthz():
    """For the load balancer: answers 200 when the database answers."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
