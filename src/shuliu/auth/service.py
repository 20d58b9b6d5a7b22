"""Users, organizations, passwords (argon2) and personal API tokens (stored as SHA-256 hashes)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shuliu.auth.models import ROLES, ApiToken, Organization, User
from shuliu.db.base import utcnow
from shuliu.errors import AuthenticationFailed, Conflict, NotFound, PermissionDenied, ValidationFailed

_hasher = PasswordHasher()
# A real hash to verify against when the user does not exist, so timing does not reveal names.
_DUMMY_HASH = _hasher.hash("shuliu-timing-equaliser")
TOKEN_PREFIX = "sl_"
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{2,64}$")
ROLE_LABELS = {"admin": "平台管理员", "provider": "数据提供方", "consumer": "数据使用方", "auditor": "安全审计员"}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < 8:
        raise ValidationFailed("the password needs at least 8 characters", field="password")
    if password.isdigit() or password.isalpha():
        raise ValidationFailed("the password needs letters and digits or symbols", field="password")


def create_org(*, session: Session, code: str, name: str) -> Organization:
    """Register a provider organization (资源提供方 with its 提供方代码)."""
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValidationFailed("an organization needs a code and a name", field="code")
    if session.scalar(select(Organization).where((Organization.code == code) | (Organization.name == name))):
        raise Conflict("an organization with code {code!r} or name {name!r} exists", field="code", code=code, name=name)
    org = Organization(code=code, name=name)
    session.add(org)
    session.flush()
    return org


def get_org(*, session: Session, ref: str | int) -> Organization:
    """An organization by id, code or name."""
    org = None
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit() and len(ref) < 10):
        org = session.get(Organization, int(ref))
    if org is None:
        org = session.scalar(
            select(Organization).where((Organization.code == str(ref)) | (Organization.name == str(ref)))
        )
    if org is None:
        raise NotFound("no organization {org!r}", field="org", org=ref)
    return org


def list_orgs(*, session: Session) -> list[Organization]:
    return list(session.scalars(select(Organization).order_by(Organization.name)))


def create_user(
    *,
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    org: str | int | None = None,
    check_strength: bool = True,
) -> User:
    """Create a user; providers must belong to an organization."""
    if not USERNAME_RE.match(username):
        raise ValidationFailed("a username is 2–64 letters, digits, '.', '_' or '-'", field="username")
    if role not in ROLES:
        raise ValidationFailed("role must be one of {choices}", field="role", choices=", ".join(ROLES))
    if check_strength:
        check_password_strength(password)
    if session.scalar(select(User).where(func.lower(User.username) == username.lower())):
        raise Conflict("user {username!r} exists", field="username", username=username)
    org_obj = get_org(session=session, ref=org) if org not in (None, "") else None
    if role == "provider" and org_obj is None:
        raise ValidationFailed("a data provider must belong to an organization", field="org")
    user = User(
        username=username,
        password_hash=hash_password(password),
        role=role,
        display_name=display_name or username,
        org_id=org_obj.id if org_obj else None,
    )
    session.add(user)
    session.flush()
    return user


def get_user(*, session: Session, ref: str | int) -> User:
    user = (
        session.get(User, ref)
        if isinstance(ref, int)
        else session.scalar(select(User).where(func.lower(User.username) == str(ref).lower()))
    )
    if user is None:
        raise NotFound("no user {username!r}", field="username", username=ref)
    return user


def list_users(*, session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def authenticate(*, session: Session, username: str, password: str) -> User:
    """The active user with this password, or AuthenticationFailed (same message either way)."""
    user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise AuthenticationFailed("wrong username or password") from None
    if user is None or not user.is_active:
        raise AuthenticationFailed("wrong username or password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def set_password(*, session: Session, user: User, password: str) -> None:
    """Change a password and void existing sessions."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.session_epoch += 1


def change_own_password(*, session: Session, user: User, current: str, new: str) -> None:
    """A user changes their password, proving the current one first."""
    try:
        _hasher.verify(user.password_hash, current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise AuthenticationFailed("the current password is wrong", field="current_password") from None
    set_password(session=session, user=user, password=new)


def update_user(
    *,
    session: Session,
    actor: User,
    user: User,
    role: str | None = None,
    org: str | None = None,
    is_active: bool | None = None,
    display_name: str | None = None,
) -> User:
    if actor.role != "admin":
        raise PermissionDenied("only an administrator manages users")
    if role is not None:
        if role not in ROLES:
            raise ValidationFailed("role must be one of {choices}", field="role", choices=", ".join(ROLES))
        user.role = role
    if org is not None:
        user.org = get_org(session=session, ref=org) if org else None
    if user.role == "provider" and user.org is None:
        raise ValidationFailed("a data provider must belong to an organization", field="org")
    if is_active is not None:
        user.is_active = is_active
        user.session_epoch += 1
    if display_name is not None:
        user.display_name = display_name
    return user


def _token_hash(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is enough; argon2 would slow every API call.
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    *, session: Session, user: User, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new personal API token; the secret is returned once and only its hash is stored."""
    name = name.strip() or "token"
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name[:100], prefix=secret[:10], token_hash=_token_hash(secret), expires_at=expires_at
    )
    session.add(token)
    session.flush()
    return token, secret


def list_tokens(*, session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc()))
    )


def revoke_token(*, session: Session, user: User, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or (token.user_id != user.id and user.role != "admin"):
        raise NotFound("no token {token_id}", token_id=token_id)
    token.revoked_at = utcnow()


def user_for_token(*, session: Session, secret: str) -> User:
    """The user behind a bearer token; AuthenticationFailed if unknown, revoked or expired."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise AuthenticationFailed("malformed API token")
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(secret)))
    if token is None or token.revoked_at is not None:
        raise AuthenticationFailed("unknown or revoked API token")
    if token.expires_at is not None and token.expires_at < utcnow():
        raise AuthenticationFailed("the API token has expired")
    if not token.user.is_active:
        raise AuthenticationFailed("the account is disabled")
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
    return token.user


def labels_for(user: User | None) -> list[str]:
    """The permission labels a user carries; a resource is visible when it shares one."""
    if user is None:
        return ["public"]
    labels = ["public", "authenticated", f"user:{user.id}"]
    if user.org_id is not None:
        labels.append(f"org:{user.org_id}")
    if user.role in ("admin", "auditor"):
        labels.append(user.role)
    return labels
