"""Request plumbing shared by the REST API and the web pages: who is asking, CSRF, sessions."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from shuliu.auth import service as auth
from shuliu.auth.models import User
from shuliu.errors import AuthenticationFailed, PermissionDenied
from shuliu.platform import Platform

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_platform(request: Request) -> Platform:
    return request.app.state.platform


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


@dataclass
class Caller:
    session: Session
    user: User | None
    via: str  # "token" | "session" | "anonymous"

    def require(self) -> User:
        if self.user is None:
            raise AuthenticationFailed("sign in or send 'Authorization: Bearer <token>'")
        return self.user

    def require_role(self, *roles: str) -> User:
        user = self.require()
        if user.role not in roles:
            raise PermissionDenied("this needs the role {roles}", roles=" or ".join(roles))
        return user


def _identify(request: Request, session: Session) -> tuple[User | None, str]:
    header = request.headers.get("authorization")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationFailed("use 'Authorization: Bearer <token>'")
        return auth.user_for_token(session=session, secret=secret.strip()), "token"
    uid = request.session.get("uid")
    if uid is not None:
        user = session.get(User, uid)
        if user is not None and user.is_active and user.session_epoch == request.session.get("epoch"):
            return user, "session"
        request.session.clear()
    return None, "anonymous"


def check_csrf(request: Request, via: str, form_token: str | None = None) -> None:
    """Cookie-authenticated writes must carry the session's CSRF token (header or form field)."""
    if via != "session" or request.method in SAFE_METHODS:
        return
    sent = request.headers.get("x-csrf-token") or form_token or ""
    expected = request.session.get("csrf") or ""
    if not expected or not hmac.compare_digest(str(sent), str(expected)):
        raise PermissionDenied("missing or wrong CSRF token; reload the page and try again", field="csrf_token")


@contextmanager
def caller(request: Request, form_token: str | None = None, *, read_only: bool = False) -> Iterator[Caller]:
    """A database session (committed on success) and the identified user for this request.

    `read_only` skips the CSRF check: for re-rendering a form after its write failed.
    """
    platform = get_platform(request)
    with platform.db.session() as session:
        user, via = _identify(request, session)
        if user is not None:
            # Error pages render after the rollback; keep the user usable for them.
            request.state.user = user
        try:
            if not read_only:
                check_csrf(request, via, form_token)
            yield Caller(session=session, user=user, via=via)
        except BaseException:
            if user is not None and user in session:
                session.expunge(user)
            raise


def login(request: Request, user: User) -> None:
    """Start a web session (a fresh CSRF token too, against session fixation)."""
    request.session.clear()
    request.session.update(uid=user.id, epoch=user.session_epoch, csrf=secrets.token_urlsafe(32))


def logout(request: Request) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
