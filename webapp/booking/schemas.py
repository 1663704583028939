"""Requests and answers of the seat and hold endpoints (SPEC §10)."""

from typing import Annotated

from pydantic import Field

from webapp.api.schemas import (
    ApiModel,
    AtMostSetting,
    Kobo,
    QueryRowId,
    RowId,
    enum_names,
    text,
)
from webapp.booking.models import BookingStatus
from webapp.trips.models import SeatStatus

# The service upper-cases and trims; anything else is not a seat of any bus.
SeatLabel = text(pattern=r"^\s*[A-Za-z0-9]{1,8}\s*$", max_length=24, examples=["3A"])

SeatLabels = Annotated[list[SeatLabel], AtMostSetting("MAX_SEATS_PER_BOOKING"), Field(min_length=1)]


class ReserveRequest(ApiModel):
    tripId: RowId
    seatNumbers: SeatLabels = Field(examples=[["3A", "3B"]])


class AvailableSeatsQuery(ApiModel):
    tripId: QueryRowId


class Hold(ApiModel):
    bookingId: int
    reference: str = Field(examples=["RP-7KQ2M9XA"])
    status: enum_names(BookingStatus)
    seatNumbers: list[str]
    expiresAt: str = Field(json_schema_extra={"format": "date-time"})
    fareSubtotal: Kobo
    serviceFee: Kobo
    totalAmount: Kobo
    currency: str = Field(examples=["NGN"])


class HoldReleased(ApiModel):
    bookingId: int
    reference: str
    status: enum_names(BookingStatus)


class Seat(ApiModel):
    number: str
    status: enum_names(SeatStatus)
    mine: bool = Field(description="held or bought by the caller")


class SeatMap(ApiModel):
    tripId: int
    onSale: bool
    seats: list[Seat]


class AvailableSeats(ApiModel):
    tripId: int
    onSale: bool
    seatNumbers: list[str]
