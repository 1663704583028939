"""Use cases for accounts: register, authenticate, and manage personal API tokens."""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from webapp import clock
from webapp.accounts.models import ApiCaller, ApiToken, Role, User
from webapp.accounts.passwords import (
    DUMMY_HASH,
    check_password_strength,
    hash_password,
    needs_rehash,
    verify_password,
)
from webapp.audit import services as audit
from webapp.database import begin_write, relax_durability
from webapp.errors import AuthenticationError, NotFoundError, ValidationError, is_lock_contention
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.phones import EXAMPLE, normalise_phone

log = logging.getLogger(__name__)

TOKEN_PREFIX = "rp_"  # noqa: S105 - a public marker, not a secret
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=10)
MAX_TOKENS_PER_USER = 20
TAKEN_EMAIL = "An account with this e-mail address already exists. Log in instead."
BAD_PHONE = f"Enter your phone number, like {EXAMPLE}."


def normalise_email(raw: str) -> str:
    """A syntactically valid, lower-cased address; no DNS look-up (it must work offline)."""
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        message = "Enter a valid e-mail address."
        raise ValidationError(message, details={"email": message}) from exc
    return result.normalized.lower()


def read_phone(raw: str) -> str:
    """The phone number in E.164, or a ValidationError naming the `phone` field."""
    phone = normalise_phone(raw)
    if phone is None:
        raise ValidationError(BAD_PHONE, details={"phone": BAD_PHONE})
    return phone


def register_user(
    email: str,
    password: str,
    name: str,
    role: Role = Role.PASSENGER,
    *,
    phone: str | None = None,
    operator_slug: str | None = None,
    created_by: int | None = None,
) -> User:
    """Create an account. The unique index on e-mail is the last word on duplicates. With
    `operator_slug` the account is that operator's staff; `created_by` (an admin) is audited.
    `phone` is read in any usual Nigerian way and kept in E.164 (the web form requires it)."""
    email = normalise_email(email)
    phone = read_phone(phone) if phone is not None else None
    name = " ".join(name.split())
    if not name or len(name) > 120:
        message = "Enter your name (at most 120 characters)."
        raise ValidationError(message, details={"name": message})
    check_password_strength(password, email)
    begin_write()
    operator_id = None
    if operator_slug is not None:
        operator_id = db.session.scalar(
            select(Operator.id).where(Operator.slug == operator_slug.strip().lower())
        )
        if operator_id is None:
            message = f"No operator has the short name {operator_slug!r}."
            raise ValidationError(message, details={"operator": message})
        role = Role.OPERATOR_STAFF
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValidationError(TAKEN_EMAIL, details={"email": TAKEN_EMAIL})
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        phone=phone,
        role=role,
        operator_id=operator_id,
    )
    db.session.add(user)
    if created_by is not None:
        db.session.flush()
        audit.record(
            "user.created",
            "user",
            user.id,
            actor_user_id=created_by,
            role=str(role),
            operator_id=operator_id,
        )
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent registration won the race
        db.session.rollback()
        raise ValidationError(TAKEN_EMAIL, details={"email": TAKEN_EMAIL}) from exc
    return user


def authenticate(email: str, password: str) -> User:
    """The active user with these credentials; one vague error for every way it can fail."""
    failure = AuthenticationError("The e-mail address or password is incorrect.")
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        verify_password(DUMMY_HASH, password)
        raise failure
    if not verify_password(user.password_hash, password) or not user.is_active:
        raise failure
    if needs_rehash(user.password_hash):
        begin_write()
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def update_profile(user_id: int, name: str, phone: str) -> User:
    """Change the account's name and phone number (read in any usual Nigerian way)."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        message = "Enter your name (at most 120 characters)."
        raise ValidationError(message, details={"name": message})
    normalised = read_phone(phone)
    begin_write()
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError("No such account.")
    user.name = name
    user.phone = normalised
    db.session.commit()
    return user


def set_password(user: User, new_password: str) -> None:
    """Give `user` a new password (hash and save; commits). The caller has checked it."""
    user.password_hash = hash_password(new_password)
    db.session.commit()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user_id: int, name: str) -> tuple[ApiToken, str]:
    """Issue a token; the plain value is returned once and only its hash is kept."""
    name = " ".join(name.split())
    if not name or len(name) > 80:
        message = "Give the token a name of at most 80 characters."
        raise ValidationError(message, details={"name": message})
    begin_write()
    live = db.session.scalars(
        select(ApiToken.id).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ).all()
    if len(live) >= MAX_TOKENS_PER_USER:
        message = f"You already have {MAX_TOKENS_PER_USER} tokens. Revoke one first."
        raise ValidationError(message, details={"name": message})
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user_id, name=name, token_hash=_digest(plain), prefix=plain[:10])
    db.session.add(token)
    db.session.commit()
    return token, plain


def revoke_api_token(user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens; anyone else's is simply not found."""
    begin_write()
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id:
        raise NotFoundError("No such token.")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
    db.session.commit()


# Every API request runs this, so it is built once.
_TOKEN_AND_OWNER = (
    select(
        ApiToken.id,
        ApiToken.revoked_at,
        ApiToken.last_used_at,
        User.id,
        User.email,
        User.role,
        User.is_active,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def caller_for_api_token(plain: str) -> ApiCaller | None:
    """The active owner of a live token, or None. Notes the last use at a coarse resolution."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    row = db.session.connection().execute(_TOKEN_AND_OWNER, {"token_hash": _digest(plain)}).first()
    if row is None:
        return None
    token_id, revoked_at, last_used_at, user_id, email, role, is_active = row
    if revoked_at is not None or not is_active:
        return None
    now = clock.now()
    if last_used_at is None or now - last_used_at > TOKEN_LAST_USED_RESOLUTION:
        _note_token_use(token_id, now)
    return ApiCaller(user_id, email, role)


def _note_token_use(token_id: int, now: datetime) -> None:
    """Best effort: when the database is busy the request goes on and the note waits for next
    time; a last-use time is never worth failing a booking for."""
    try:
        _write_token_use(token_id, now)
    except OperationalError as error:
        db.session.rollback()
        if not is_lock_contention(error):
            raise
        log.info("token %s: last use not recorded, database busy", token_id)


def _write_token_use(token_id: int, now: datetime) -> None:
    begin_write()
    relax_durability()
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at < now - TOKEN_LAST_USED_RESOLUTION,
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
