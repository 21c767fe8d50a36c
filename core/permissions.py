"""Who may do what: route guards for views and plain predicates for services (SPEC NF5).

Every route declares the roles it admits with ``@roles_required`` (or ``@public``); a request to an
endpoint that declares nothing is refused, so a forgotten guard fails closed. Services check again with
the ``can_*`` predicates, which also serve templates to hide links.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from core.auth.roles import ALL_ROLES, Role

ACCESS_ATTR = "_keiyaku_roles"
PUBLIC = "public"


def roles_required(*roles: Role):
    """Admit only logged-in users holding one of ``roles``; anonymous users go to the login page."""
    allowed = frozenset(roles)

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            from core.extensions import login_manager

            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*allowed):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, allowed)
        return wrapper

    return decorator


def any_user(view):
    """Any logged-in user, whatever the role (own password, home page, logout)."""
    return roles_required(*ALL_ROLES)(view)


def public(view):
    """No login needed (login page, static files). Use sparingly."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def declared_access(view) -> frozenset[Role] | str | None:
    return getattr(view, ACCESS_ATTR, None)


# --- predicates used by services and templates ------------------------------------------------------

def _is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_role(Role.SYSTEM_ADMIN))


def can_manage_users(user) -> bool:
    return _is_admin(user)


def can_manage_departments(user) -> bool:
    return _is_admin(user)
