"""Requests and answers of the cancellation endpoints (SPEC §10)."""

from pydantic import Field

from webapp.api.schemas import ApiModel, Kobo, enum_names
from webapp.booking.models import BookingStatus
from webapp.refunds.models import RefundStatus


class CancelRequest(ApiModel):
    expectedRefund: Kobo | None = Field(
        None,
        examples=[1_080_000],
        description="the quote's `refundAmount`: when the refund has changed since (a tier "
        "boundary passed), nothing is cancelled and the answer is a 409 with the new amount",
    )


class Quote(ApiModel):
    bookingId: int
    refundAmount: Kobo
    currency: str
    refundPercentOfFare: float = Field(examples=[90.0])
    fareSubtotal: Kobo
    serviceFeeKept: Kobo
    hoursBeforeDeparture: float


class RefundStarted(ApiModel):
    refundId: int
    amount: Kobo
    status: enum_names(RefundStatus)


class Cancellation(ApiModel):
    bookingId: int
    status: enum_names(BookingStatus)
    refund: RefundStarted | None = Field(description="none when nothing is due")
