"""Password reset by e-mail: a signed, expiring, single-use link (no table of tokens).

The link carries the user's id and a fingerprint of their current password hash, signed with
SECRET_KEY (itsdangerous) and dated by the application clock. It dies after
PASSWORD_RESET_MINUTES, and the moment the password changes, since the fingerprint no longer
matches: using a link once also kills every other link sent before it. Asking for a link
never tells whether the address has an account: both ways render an e-mail, write one outbox
row and queue the same job (an unknown address is told that no account uses it).
"""

import hashlib
import secrets

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from webapp import clock
from webapp.accounts.models import User
from webapp.accounts.passwords import check_password_strength
from webapp.accounts.services import normalise_email, set_password
from webapp.audit import services as audit
from webapp.database import begin_write
from webapp.errors import DomainError
from webapp.extensions import db
from webapp.notifications.services import public_base_url, queue_email

SALT = "roadpass-password-reset"
SUBJECT = "Resetting your Roadpass password"


class ResetLinkError(DomainError):
    status_code = 400
    code = "RESET_LINK_INVALID"


class _ClockSigner(TimestampSigner):
    """Dates links by webapp.clock, so expiry follows the clock the tests move."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=_ClockSigner)


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def reset_token(user: User) -> str:
    return _serializer().dumps([user.id, _fingerprint(user.password_hash)])


def request_password_reset(email: str) -> None:
    """E-mail a reset link to the account with this address, or, when there is none, a note
    saying so; the caller shows the same answer either way."""
    address = normalise_email(email)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    begin_write()
    user = db.session.scalar(select(User).where(User.email == address, User.is_active))
    key = f"password-reset:{secrets.token_hex(12)}"  # every request is its own message
    if user is None:
        queue_email("password-reset-unknown", address, SUBJECT, key=key, email=address)
    else:
        link = f"{public_base_url()}/reset-password/{reset_token(user)}"
        queue_email(
            "password-reset",
            address,
            SUBJECT,
            key=key,
            user_id=user.id,
            user=user,
            reset_url=link,
            minutes=minutes,
        )
    db.session.commit()


def user_for_reset(token: str, *, lock: bool = False) -> User:
    """The user a live link was sent to; ResetLinkError when it is forged, expired or used."""
    failure = ResetLinkError(
        "This password reset link has expired or has already been used. Ask for a new one."
    )
    try:
        user_id, fingerprint = _serializer().loads(
            token[:300], max_age=current_app.config["PASSWORD_RESET_MINUTES"] * 60
        )
    except (BadSignature, TypeError, ValueError) as error:
        raise failure from error
    query = select(User).where(User.id == user_id)
    user = db.session.scalar(query.with_for_update() if lock else query)
    if user is None or not user.is_active:
        raise failure
    if not secrets.compare_digest(_fingerprint(user.password_hash), str(fingerprint)):
        raise failure
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set the password a live link allows (set_password also ends the user's sessions). The
    user row is locked first, so two uses of one link at once change it once."""
    begin_write()
    user = user_for_reset(token, lock=True)
    check_password_strength(new_password, user.email)
    audit.record("user.password_reset", "user", user.id, actor_user_id=user.id)
    set_password(user, new_password)
    return user
