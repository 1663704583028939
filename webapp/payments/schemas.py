"""Requests and answers of the payment endpoints and the webhook (SPEC §10)."""

from typing import Annotated, Any

from pydantic import ConfigDict, Field, RootModel

from webapp.api.schemas import ApiModel, AtMostSetting, Kobo, RowId, enum_names, text
from webapp.booking.models import BookingStatus
from webapp.booking.schemas import SeatLabel
from webapp.payments.models import PaymentStatus
from webapp.refunds.models import RefundReason, RefundStatus


class PassengerDetails(ApiModel):
    seatNumber: SeatLabel
    name: text(max_length=200, examples=["Ada Obi"], description="2 to 120 letters, no markup")
    phone: text(
        max_length=40,
        examples=["0803 123 4567"],
        description="a Nigerian number written any usual way (0803…, +234 803…)",
    )


class PaymentRequest(ApiModel):
    bookingId: RowId
    email: text(max_length=254, examples=["ada@example.com"], description="for the ticket")
    passengers: Annotated[
        list[PassengerDetails], AtMostSetting("MAX_SEATS_PER_BOOKING"), Field(min_length=1)
    ] = Field(description="one per seat of the booking, each seat once")


class PaymentStarted(ApiModel):
    paymentId: int
    txRef: str = Field(description="the reference the gateway knows this payment by")
    status: enum_names(PaymentStatus)
    amount: Kobo
    currency: str
    checkoutUrl: str = Field(
        json_schema_extra={"format": "uri"}, description="open it in a browser to pay"
    )


class RefundSummary(ApiModel):
    refundId: int
    amount: Kobo
    status: enum_names(RefundStatus)
    reason: enum_names(RefundReason)


class PaymentState(ApiModel):
    paymentId: int
    txRef: str
    status: enum_names(PaymentStatus)
    bookingId: int
    bookingReference: str
    bookingStatus: enum_names(BookingStatus)
    amount: Kobo
    currency: str
    checkoutUrl: str | None
    refunds: list[RefundSummary]


class ChargeEvent(ApiModel):
    """Flutterwave's `charge.completed` webhook: the transaction is in `data`."""

    model_config = ConfigDict(extra="allow")

    event: str | None = Field(None, examples=["charge.completed"])
    data: dict[str, Any] = Field(examples=[{"id": 4975363, "tx_ref": "RP-7KQ2M9XA-1"}])


class LegacyChargeEvent(ApiModel):
    """The flat form older Flutterwave accounts send: `txRef`, `flwRef`, `event.type`."""

    model_config = ConfigDict(extra="allow")

    txRef: Any = Field(examples=["RP-7KQ2M9XA-1"])


class FlutterwaveWebhook(RootModel[ChargeEvent | LegacyChargeEvent]):
    """What Flutterwave posts. The gateway module reads it from the raw body after checking
    the signature; this model describes it for the document."""


class WebhookReceived(ApiModel):
    received: bool
    duplicate: bool = Field(description="this event had been received before")
