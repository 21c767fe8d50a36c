"""Who may do what: route guards for views and plain predicates for services (SPEC NF5).

Every route declares the roles it admits with ``@roles_required`` (or ``@public``); a request to an
endpoint that declares nothing is refused, so a forgotten guard fails closed. A route that only system
administrators may use is also refused outside ``KEIYAKU_ADMIN_NETWORKS``: that follows from the roles it
declares, not from the blueprint it is in, so a new administration screen cannot forget it. Services check
again with the ``can_*`` predicates, which also serve templates to hide links.
"""

from __future__ import annotations

import ipaddress
from functools import wraps

from flask import abort, current_app, g, request
from flask_login import current_user

from core.auth.roles import ALL_ROLES, Role

ACCESS_ATTR = "_keiyaku_roles"
NETWORK_ATTR = "_keiyaku_admin_network"
PUBLIC = "public"
#: Routes declaring exactly these roles are administration screens (SPEC NF5: admin networks only).
ADMIN_ONLY = frozenset({Role.SYSTEM_ADMIN})
ADMIN_NETWORK_MESSAGE = "管理機能は許可されたネットワークからのみ利用できます。"


def address_allowed(address: str | None, networks) -> bool:
    """Is ``address`` in one of ``networks``? No networks configured means no restriction."""
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in net for net in networks)


def require_admin_network(message: str = ADMIN_NETWORK_MESSAGE) -> None:
    """403 with ``message`` unless the request comes from ``KEIYAKU_ADMIN_NETWORKS``."""
    if not address_allowed(request.remote_addr, current_app.config["ADMIN_NETWORKS"]):
        g.error_detail = message
        abort(403)


def roles_required(*roles: Role):
    """Admit only logged-in users holding one of ``roles``; anonymous users go to the login page. Routes for
    system administrators only are refused outside the admin networks first, whoever asks."""
    allowed = frozenset(roles)
    admin_network = allowed == ADMIN_ONLY

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            from core.extensions import login_manager

            if admin_network:
                require_admin_network()
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*allowed):
                abort(403)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, allowed)
        setattr(wrapper, NETWORK_ATTR, admin_network)
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


def admin_network_only(view) -> bool:
    """Is the route refused outside ``KEIYAKU_ADMIN_NETWORKS`` (its roles are system administrators only)?"""
    return bool(getattr(view, NETWORK_ATTR, False))


# --- predicates used by services and templates ------------------------------------------------------

def _is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_role(Role.SYSTEM_ADMIN))


def can_manage_users(user) -> bool:
    return _is_admin(user)


def can_manage_departments(user) -> bool:
    return _is_admin(user)
