"""Domain exceptions raised by services; views turn them into messages or status codes."""

from __future__ import annotations


class DomainError(Exception):
    """Base class for errors a user can understand (the message is Japanese)."""


class PermissionDenied(DomainError):
    """The actor may not do this (views answer 403)."""

    def __init__(self, message: str = "この操作を行う権限がありません。"):
        super().__init__(message)


class NotFound(DomainError):
    """The record does not exist for this actor (views answer 404, also for another owner's record)."""


class ValidationFailed(DomainError):
    """Business-rule validation failed; ``errors`` maps a field name to its messages."""

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"": [errors]}
        self.errors = errors
        super().__init__("; ".join(m for msgs in errors.values() for m in msgs))


class InvalidTransition(DomainError):
    """A state change was asked from a state that does not allow it."""


def require(condition: bool, message: str = "この操作を行う権限がありません。") -> None:
    """Raise PermissionDenied unless ``condition`` holds; services call it before any write."""
    if not condition:
        raise PermissionDenied(message)
