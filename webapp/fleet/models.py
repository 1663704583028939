"""Bus operators and the seat layouts of their vehicles."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.database import UTCDateTime
from webapp.extensions import db


class Operator(db.Model):
    """A bus company that sells seats through Roadpass and is paid out monthly."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    commission_bps: Mapped[int] = mapped_column(Integer, default=800)
    # Tiers, most generous first: [{"min_hours_before": 48, "refund_bps": 9000}, ...]
    cancellation_policy: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    payout_bank_name: Mapped[str] = mapped_column(String(80), default="")
    payout_account_name: Mapped[str] = mapped_column(String(120), default="")
    payout_account_number: Mapped[str] = mapped_column(String(20), default="")
    payout_bank_code: Mapped[str] = mapped_column(String(10), default="")  # Flutterwave's code
    contact_email: Mapped[str] = mapped_column(String(254), default="")  # statements go here
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    __table_args__ = (
        CheckConstraint("commission_bps >= 0 AND commission_bps <= 10000", name="commission_range"),
    )


class SeatLayout(db.Model):
    """A named seat grid: rows × columns per deck; empty cells are aisles or gaps."""

    __tablename__ = "seat_layouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    rows: Mapped[int] = mapped_column(Integer)
    columns: Mapped[int] = mapped_column(Integer)
    decks: Mapped[int] = mapped_column(Integer, default=1)

    seats: Mapped[list["LayoutSeat"]] = relationship(
        back_populates="layout",
        cascade="all, delete-orphan",
        order_by="(LayoutSeat.deck, LayoutSeat.row, LayoutSeat.col)",
    )

    __table_args__ = (
        CheckConstraint("rows BETWEEN 1 AND 40", name="rows_range"),
        CheckConstraint("columns BETWEEN 1 AND 8", name="columns_range"),
        CheckConstraint("decks IN (1, 2)", name="decks_range"),
    )

    @property
    def sellable_seats(self) -> list["LayoutSeat"]:
        return [seat for seat in self.seats if seat.is_sellable]


class LayoutSeat(db.Model):
    """One place in a layout's grid: a seat (with a class) or a blocked or luggage place."""

    __tablename__ = "layout_seats"

    id: Mapped[int] = mapped_column(primary_key=True)
    layout_id: Mapped[int] = mapped_column(ForeignKey("seat_layouts.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(8))
    deck: Mapped[int] = mapped_column(Integer, default=1)
    row: Mapped[int] = mapped_column(Integer)
    col: Mapped[int] = mapped_column(Integer)
    seat_class: Mapped[str] = mapped_column(String(20), default="standard")
    is_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    is_luggage: Mapped[bool] = mapped_column(Boolean, default=False)

    layout: Mapped[SeatLayout] = relationship(back_populates="seats")

    __table_args__ = (
        UniqueConstraint("layout_id", "label"),
        UniqueConstraint("layout_id", "deck", "row", "col", name="uq_layout_seats_position"),
        CheckConstraint("row >= 1 AND col >= 1", name="position_positive"),
        CheckConstraint("deck IN (1, 2)", name="deck_range"),
    )

    @property
    def is_sellable(self) -> bool:
        return not (self.is_blocked or self.is_luggage)
