"""Domain errors. Adapters render them: RFC 9457 problem+json (API), a page (web), JSON + exit code (CLI)."""

from __future__ import annotations

from typing import Any


class ShuliuError(Exception):
    """Base of every error a user should see. `type` is a stable slug; `status` an HTTP status."""

    type: str = "error"
    title: str = "Error"
    status: int = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = {k: v for k, v in details.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        """The CLI / job form: {"type", "message", ...details}."""
        return {"type": self.type, "message": self.message, **self.details}


class NotFound(ShuliuError):
    type, title, status = "not-found", "Not found", 404


class PermissionDenied(ShuliuError):
    type, title, status = "permission-denied", "Permission denied", 403


class AuthenticationFailed(ShuliuError):
    type, title, status = "authentication-failed", "Authentication failed", 401


class ValidationFailed(ShuliuError):
    """Input that breaks a rule; `field` names the offending field when there is one."""

    type, title, status = "validation-failed", "Invalid input", 422


class Conflict(ShuliuError):
    type, title, status = "conflict", "Conflict", 409


class PayloadTooLarge(ShuliuError):
    type, title, status = "payload-too-large", "Upload too large", 413


class IngestError(ShuliuError):
    """A file or source that cannot be turned into a dataset version; names file, line, column."""

    type, title, status = "ingest-failed", "Ingest failed", 422


class SourceUnavailable(ShuliuError):
    """A SQL database or other source that cannot be reached or queried."""

    type, title, status = "source-unavailable", "Source unavailable", 422


class BadQuery(ShuliuError):
    type, title, status = "bad-query", "Bad search query", 400
