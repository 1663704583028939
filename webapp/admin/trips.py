"""Trips for the back office: the list (route, date, operator, occupancy), a trip's printable
manifest and its CSV, and cancelling a trip (everyone refunded in full; admins only).

The staff of an operator see that operator's trips only: another operator's trip is a 404."""

import csv
import io
from collections.abc import Iterator

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from webapp.admin import admin_required, bp, operator_scope, staff_required
from webapp.admin.listing import (
    LARGEST_ID,
    arg_date,
    arg_text,
    args_without,
    csv_response,
    in_days,
    keyset_page,
)
from webapp.booking.models import HOLDING_STATUSES, Booking, BookingSeat, BookingStatus
from webapp.cancellations.services import cancel_trip
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.payments.details import clean_name
from webapp.presentation import lagos_datetime
from webapp.trips.models import City, Route, Trip, TripSeat


def scoped_trip(trip_id: int) -> Trip:
    """The trip, if the signed-in staff may see it; otherwise the same 404 as a missing one."""
    found = db.session.get(Trip, trip_id) if trip_id <= LARGEST_ID else None
    scope = operator_scope()
    if found is None or (scope is not None and found.operator_id != scope):
        raise NotFoundError("We could not find that trip.")
    return found


def filtered_trips() -> tuple[Select, dict[str, object]]:
    origin, destination = aliased(City), aliased(City)
    place = arg_text("route", 80)
    operator = arg_text("operator", 60)
    departs_on = arg_date("departs_on")
    stmt = select(Trip)
    scope = operator_scope()
    if scope is not None:
        stmt = stmt.where(Trip.operator_id == scope)
    if place:
        like = f"%{place.lower()}%"
        stmt = stmt.where(
            Trip.route_id.in_(
                select(Route.id)
                .join(origin, origin.id == Route.origin_id)
                .join(destination, destination.id == Route.destination_id)
                .where(func.lower(origin.name).like(like) | func.lower(destination.name).like(like))
            )
        )
    if operator:
        stmt = stmt.where(
            Trip.operator_id.in_(
                select(Operator.id).where(
                    (Operator.slug == operator.lower())
                    | func.lower(Operator.name).like(f"%{operator.lower()}%")
                )
            )
        )
    if departs_on:
        stmt = in_days(stmt, Trip.departs_at, departs_on, departs_on)
    return stmt, {"route": place, "operator": operator, "departs_on": departs_on}


def occupancy(trip_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(seats booked, seats) per trip, in one GROUP BY over the given trips only."""
    if not trip_ids:
        return {}
    rows = db.session.execute(
        select(
            TripSeat.trip_id,
            func.count(TripSeat.id).filter(TripSeat.status == "booked"),
            func.count(TripSeat.id),
        )
        .where(TripSeat.trip_id.in_(trip_ids))
        .group_by(TripSeat.trip_id)
    ).all()
    return {trip_id: (booked, total) for trip_id, booked, total in rows}


_TRIP_DISPLAY = (
    joinedload(Trip.operator),
    joinedload(Trip.route).joinedload(Route.origin),
    joinedload(Trip.route).joinedload(Route.destination),
)


@bp.get("/trips")
@staff_required
def trips() -> str:
    stmt, shown = filtered_trips()
    page = keyset_page(stmt.options(*_TRIP_DISPLAY), Trip.id, lambda t: t.id)
    return render_template(
        "admin/trips.html",
        page=page,
        shown=shown,
        seats=occupancy([t.id for t in page.rows]),
        filters=args_without("after"),
    )


@bp.get("/trips.csv")
@staff_required
def trips_csv() -> Response:
    stmt, _ = filtered_trips()
    return csv_response(
        "trips.csv",
        ["trip", "from", "to", "departs", "operator", "status", "fare_kobo"],
        stmt.options(*_TRIP_DISPLAY),
        Trip.id,
        lambda t: [
            t.id,
            t.route.origin.name,
            t.route.destination.name,
            lagos_datetime(t.departs_at),
            t.operator.name,
            t.status,
            t.fare_amount,
        ],
    )


def manifest_rows(trip_id: int) -> list[tuple[BookingSeat, Booking]]:
    """The passengers: every seat of a confirmed booking, by seat label."""
    rows = db.session.execute(
        select(BookingSeat, Booking)
        .join(Booking, Booking.id == BookingSeat.booking_id)
        .where(Booking.trip_id == trip_id, Booking.status == BookingStatus.CONFIRMED)
        .order_by(BookingSeat.label)
    ).all()
    return [(seat, booking) for seat, booking in rows]


@bp.get("/trips/<id:trip_id>")
@staff_required
def trip(trip_id: int) -> str:
    found = scoped_trip(trip_id)
    cancelled = db.session.scalars(
        select(Booking)
        .where(
            Booking.trip_id == trip_id,
            Booking.status == BookingStatus.CANCELLED,
            Booking.cancel_reason.is_not(None),
            Booking.cancel_reason != "RELEASED",
        )
        .options(selectinload(Booking.seats))
        .order_by(Booking.id)
    ).all()
    rows = manifest_rows(trip_id)
    return render_template(
        "admin/trip.html",
        trip=found,
        rows=rows,
        boarded=sum(1 for seat, _ in rows if seat.boarded_at),
        cancelled=cancelled,
    )


@bp.get("/trips/<id:trip_id>/manifest.csv")
@staff_required
def manifest_csv(trip_id: int) -> Response:
    scoped_trip(trip_id)
    rows = manifest_rows(trip_id)

    def lines() -> Iterator[str]:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["seat", "passenger", "phone", "reference", "boarded"])
        for seat, booking in rows:
            writer.writerow(
                [
                    seat.label,
                    seat.passenger_name or "",
                    seat.passenger_phone or "",
                    booking.reference,
                    lagos_datetime(seat.boarded_at),
                ]
            )
        yield out.getvalue()

    return Response(
        lines(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="manifest-trip-{trip_id}.csv"'},
    )


@bp.get("/trips/<id:trip_id>/cancel")
@admin_required
def confirm_cancel(trip_id: int) -> str:
    """What cancelling the trip will do, and the one button that does it."""
    found = scoped_trip(trip_id)
    bookings = db.session.scalars(select(Booking).where(Booking.trip_id == trip_id)).all()
    paid = [b for b in bookings if b.status == BookingStatus.CONFIRMED]
    return render_template(
        "admin/trip_cancel.html",
        trip=found,
        paid=len(paid),
        refund_total=sum(b.total_amount for b in paid),
        holds=sum(1 for b in bookings if b.status in HOLDING_STATUSES),
    )


def _bookings(count: int, what: str) -> str:
    return f"{count} {what} booking{'' if count == 1 else 's'}"


@bp.post("/trips/<id:trip_id>/cancel")
@admin_required
def cancel(trip_id: int) -> Response:
    reason = clean_name(request.form.get("reason"))[:200]
    if len(reason) < 3:
        raise ValidationError("Give the passengers a reason (at least 3 characters).")
    counts = cancel_trip(current_user.id, trip_id, reason)
    flash(
        f"Trip cancelled: {_bookings(counts['refunded'], 'paid')} refunded in full, "
        f"{_bookings(counts['holds_ended'], 'unpaid')} closed (nothing was charged). "
        "Passengers are being told.",
        "success",
    )
    return redirect(url_for("admin.trip", trip_id=trip_id), 303)
