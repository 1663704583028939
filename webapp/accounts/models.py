"""People who use Roadpass, and the personal API tokens they hold."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.database import UTCDateTime
from webapp.extensions import db


class Role(StrEnum):
    PASSENGER = "passenger"
    ADMIN = "admin"
    # Staff of one bus operator: that operator's trips, manifests and boarding, nothing else.
    OPERATOR_STAFF = "operator_staff"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # E.164 (webapp/phones.py); optional for staff and accounts made before it was asked for.
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.PASSENGER)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    tokens: Mapped[list["ApiToken"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id"
    )

    __table_args__ = (
        CheckConstraint("role IN ('passenger', 'admin', 'operator_staff')", name="role_known"),
        CheckConstraint(
            "(role = 'operator_staff') = (operator_id IS NOT NULL)", name="staff_have_operator"
        ),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("phone IS NULL OR phone LIKE '+%'", name="phone_e164"),
        Index("ix_users_phone", "phone"),  # staff search and Find my booking by phone
    )

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_operator_staff(self) -> bool:
        return self.role == Role.OPERATOR_STAFF

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


@dataclass(frozen=True)
class ApiCaller:
    """Who sent an API request: the few facts endpoints need, read without loading a User."""

    id: int
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class ApiToken(db.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")

    __table_args__ = (Index("ix_api_tokens_user_id", "user_id"),)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
