"""Domain errors. Adapters render them: RFC 9457 problem+json (API), a page (web), JSON + exit code (CLI).

Each error carries an English message template with `{name}` placeholders (str.format syntax) and
the values for them. The template is a gettext msgid (tools/i18n.py extracts the first argument of
every error constructor), so `localized(lang)` can show the message in the reader's language while
`message` stays English for logs, the CLI and API clients that ask for nothing else. The params are
also the error's structured details (file, line, column, field, row, value, …).
"""

from __future__ import annotations

from typing import Any

# Param names that would clash with the problem+json members or the CLI / job dict.
RESERVED_PARAMS = frozenset({"type", "title", "status", "detail", "instance", "message", "template", "params", "slug"})


def jsonable(value: Any) -> Any:
    """A JSON-serialisable form of a param (str() for anything JSON has no type for)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)


# Params that hold an English phrase marked with N_ (e.g. "a PDF document"): translated with the template.
PHRASE_PARAMS = frozenset({"what", "expected"})


def _render(template: str, lang: str, params: dict[str, Any], fallback: str) -> str:
    from shuliu.i18n import catalog

    messages = catalog(lang)
    values = {k: messages.get(v, v) if k in PHRASE_PARAMS and isinstance(v, str) else v for k, v in params.items()}
    try:
        return messages.get(template, template).format(**values)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        return fallback


def notice(template: str, **params: Any) -> dict[str, Any]:
    """Something people should know that is not an error (a renamed column, removed rows): the
    English message plus the template and params, so pages can show it in their language."""
    try:
        message = template.format(**params)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        message = template
    return {"message": message, "template": template, "params": {k: jsonable(v) for k, v in params.items()}}


class ShuliuError(Exception):
    """Base of every error a user should see. `type` is a stable slug; `status` an HTTP status."""

    type: str = "error"
    title: str = "Error"
    status: int = 400

    def __init__(self, template: str, **params: Any) -> None:
        self.template = template
        self.params = params
        self.details = {k: v for k, v in params.items() if v is not None}
        try:
            self.message = template.format(**params)
        except (KeyError, IndexError, ValueError, AttributeError, TypeError):
            self.message = template
        super().__init__(self.message)

    def localized(self, lang: str) -> str:
        """The message in `lang` (the catalog's translation of the template), English if there is none."""
        return _render(self.template, lang, self.params, self.message)

    def to_dict(self) -> dict[str, Any]:
        """The CLI / job form: {"type", "message", ...details, "template", "params"}."""
        return {
            "type": self.type,
            "message": self.message,
            **{k: jsonable(v) for k, v in self.details.items()},
            "template": self.template,
            "params": {k: jsonable(v) for k, v in self.params.items()},
        }


def localize_error(error: dict[str, Any], lang: str) -> str:
    """The message of a stored error dict (`ShuliuError.to_dict()`, e.g. a failed job's) in `lang`."""
    message = str(error.get("message") or "")
    template = error.get("template")
    if not isinstance(template, str):
        # Older or hand-made dicts: a plain message may still be a msgid.
        return _render(message, lang, {}, message) if message else message
    params = error.get("params")
    return _render(template, lang, params if isinstance(params, dict) else {}, message)


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
