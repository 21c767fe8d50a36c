"""Keiyaku core: app factory, configuration, database, accounts, audit log and shared services."""

from core.factory import create_app

__all__ = ["create_app"]
