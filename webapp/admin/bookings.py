"""`/admin/bookings`: find a booking by reference, e-mail or phone (any Nigerian format), trip,
status or date, page through them newest first, export them; and one booking's whole story."""

from flask import Response, render_template
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from webapp import clock
from webapp.accounts.models import User
from webapp.admin import admin_required, bp, figures
from webapp.admin.audit import actor_emails
from webapp.admin.listing import (
    arg_choice,
    arg_date,
    arg_int,
    arg_text,
    args_without,
    csv_response,
    day_range,
    in_days,
    keyset_page,
)
from webapp.audit.models import AuditEvent
from webapp.booking.models import Booking, BookingSeat, BookingStatus, hold_is_live
from webapp.errors import NotFoundError
from webapp.extensions import db
from webapp.notifications.models import Notification
from webapp.payments.models import Payment
from webapp.phones import normalise_phone
from webapp.presentation import lagos_datetime
from webapp.refunds.models import Refund
from webapp.trips.models import Route, Trip

LIVE_HOLD = "LIVE_HOLD"
STATUSES = [*BookingStatus, LIVE_HOLD]


def filtered_bookings() -> tuple[Select, dict[str, object]]:
    """The bookings the query string asks for, and the filters as understood."""
    stmt = select(Booking)
    q = arg_text("q")
    status = arg_choice("status", STATUSES)
    trip_id = arg_int("trip")
    created_on = arg_date("created_on")
    paid_from, paid_to = arg_date("paid_from"), arg_date("paid_to")
    if q:
        stmt = stmt.where(_matches(q))
    if status == LIVE_HOLD:
        stmt = stmt.where(hold_is_live(clock.now()))
    elif status:
        stmt = stmt.where(Booking.status == status)
    if trip_id is not None:
        stmt = stmt.where(Booking.trip_id == trip_id)
    if created_on:
        stmt = in_days(stmt, Booking.created_at, created_on, created_on)
    if paid_from or paid_to:
        day_range(paid_from, paid_to)  # refuses a range that ends before it starts
        today = clock.today_in_lagos()
        sold = figures.sold_in(paid_from or today.replace(year=2000), paid_to or today).subquery()
        stmt = stmt.where(Booking.id.in_(select(sold.c.id)))
    shown = {"q": q, "status": status, "trip": trip_id, "created_on": created_on}
    return stmt, shown | {"paid_from": paid_from, "paid_to": paid_to}


def _matches(q: str):  # noqa: ANN202 - an SQL condition
    """A reference, an e-mail, a phone number in any usual way of writing it, or a name."""
    phone = normalise_phone(q) if sum(c.isdigit() for c in q) >= 7 else None
    if phone:  # a passenger's, or the account holder's given at registration
        return or_(
            exists().where(
                BookingSeat.booking_id == Booking.id, BookingSeat.passenger_phone == phone
            ),
            Booking.user_id.in_(select(User.id).where(User.phone == phone)),
        )
    if "@" in q:
        email = q.lower()
        return or_(
            Booking.contact_email == email,
            Booking.user_id.in_(select(User.id).where(User.email == email)),
        )
    if q.upper().startswith("RP-"):
        return Booking.reference == q.upper()
    return exists().where(
        BookingSeat.booking_id == Booking.id,
        func.lower(BookingSeat.passenger_name) == q.lower(),
    )


@bp.get("/bookings")
@admin_required
def bookings() -> str:
    stmt, shown = filtered_bookings()
    page = keyset_page(
        stmt.options(
            selectinload(Booking.seats),
            joinedload(Booking.user),
            joinedload(Booking.trip).joinedload(Trip.route).joinedload(Route.origin),
            joinedload(Booking.trip).joinedload(Trip.route).joinedload(Route.destination),
        ),
        Booking.id,
        lambda b: b.id,
    )
    return render_template(
        "admin/bookings.html",
        page=page,
        shown=shown,
        statuses=STATUSES,
        filters=args_without("after"),
    )


@bp.get("/bookings.csv")
@admin_required
def bookings_csv() -> Response:
    stmt, _ = filtered_bookings()
    return csv_response(
        "bookings.csv",
        ["reference", "status", "trip", "seats", "contact", "total_kobo", "currency", "created"],
        stmt.options(selectinload(Booking.seats), joinedload(Booking.user)),
        Booking.id,
        lambda b: [
            b.reference,
            b.status,
            b.trip_id,
            " ".join(b.seat_labels),
            b.contact_email or b.user.email,
            b.total_amount,
            b.currency,
            lagos_datetime(b.created_at),
        ],
    )


@bp.get("/bookings/<reference>")
@admin_required
def booking(reference: str) -> str:
    found = db.session.scalar(
        select(Booking)
        .where(Booking.reference == reference.upper()[:12])
        .options(selectinload(Booking.seats), joinedload(Booking.user))
    )
    if found is None:
        raise NotFoundError("We could not find that booking.")
    payments = db.session.scalars(
        select(Payment).where(Payment.booking_id == found.id).order_by(Payment.id)
    ).all()
    payment_ids = [p.id for p in payments]
    trail = db.session.scalars(
        select(AuditEvent)
        .where(
            or_(
                and_(AuditEvent.subject_type == "booking", AuditEvent.subject_id == found.id),
                and_(AuditEvent.subject_type == "payment", AuditEvent.subject_id.in_(payment_ids)),
                and_(
                    AuditEvent.subject_type == "refund",
                    AuditEvent.subject_id.in_(
                        select(Refund.id).where(Refund.booking_id == found.id)
                    ),
                ),
            )
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
    return render_template(
        "admin/booking.html",
        booking=found,
        payments=payments,
        refunds=db.session.scalars(
            select(Refund).where(Refund.booking_id == found.id).order_by(Refund.id)
        ).all(),
        notifications=db.session.scalars(
            select(Notification)
            .where(Notification.booking_id == found.id)
            .order_by(Notification.id)
        ).all(),
        trail=trail,
        actors=actor_emails(trail),
    )
