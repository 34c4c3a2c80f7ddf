"""Errors a service raises for a person to read."""
from __future__ import annotations


class ServiceError(Exception):
    """Base: a clear sentence for the person, never a stack trace."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ServiceError):
    status = 400


class Conflict(ServiceError):
    status = 409


class NotFound(ServiceError):
    status = 404
