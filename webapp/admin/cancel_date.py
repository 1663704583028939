"""`/admin/trips/cancel-date`: cancel one date of a route for one operator (a bus company's
whole day off the road). The page shows what will happen — each trip, its paid bookings and
the total refunded in full — and one button does it, trip by trip, through the trip
cancellation service. Admins only; a second submission changes nothing."""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased

from webapp.admin import admin_required, bp
from webapp.admin.listing import LARGEST_ID, arg_date, arg_int, parse_day
from webapp.cancellations.services import cancel_date, plan_date_cancellation
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.payments.details import clean_name
from webapp.trips.models import City, Route


def _routes() -> list[tuple[int, str]]:
    origin, destination = aliased(City), aliased(City)
    rows = db.session.execute(
        select(Route.id, origin.name, destination.name)
        .join(origin, origin.id == Route.origin_id)
        .join(destination, destination.id == Route.destination_id)
        .order_by(origin.name, destination.name)
    ).all()
    return [(route_id, f"{a} → {b}") for route_id, a, b in rows]


def _found(route_id: int | None, operator_id: int | None) -> tuple[Route | None, Operator | None]:
    route = db.session.get(Route, route_id) if route_id is not None else None
    operator = db.session.get(Operator, operator_id) if operator_id is not None else None
    if (route_id is not None and route is None) or (operator_id is not None and operator is None):
        raise NotFoundError("We could not find that route or operator.")
    return route, operator


@bp.get("/trips/cancel-date")
@admin_required
def confirm_cancel_date() -> str:
    route, operator = _found(arg_int("route"), arg_int("operator"))
    day = arg_date("date")
    plan = (
        plan_date_cancellation(route.id, operator.id, day) if route and operator and day else None
    )
    return render_template(
        "admin/date_cancel.html",
        route=route,
        operator=operator,
        day=day,
        plan=plan,
        routes=_routes(),
        operators=db.session.scalars(select(Operator).order_by(Operator.name)).all(),
    )


def _form_id(name: str) -> int:
    raw = request.form.get(name, "").strip()
    if not raw.isdigit() or len(raw) > 10 or int(raw) > LARGEST_ID:
        raise ValidationError(f"“{name}” must be a whole number.")
    return int(raw)


def _form_ids(name: str) -> set[int]:
    raw = request.form.get(name, "").strip()
    parts = [p.strip() for p in raw.split(",") if p.strip()][:500]
    if not all(p.isdigit() and len(p) <= 10 and int(p) <= LARGEST_ID for p in parts):
        raise ValidationError(f"“{name}” must be trip numbers separated by commas.")
    return {int(p) for p in parts}


@bp.post("/trips/cancel-date")
@admin_required
def cancel_date_view() -> Response:
    route, operator = _found(_form_id("route"), _form_id("operator"))
    assert route is not None  # a given id is found or a 404
    assert operator is not None
    day = parse_day("date", request.form.get("date", "").strip())
    reason = clean_name(request.form.get("reason"))[:200]
    if len(reason) < 3:
        raise ValidationError("Give the passengers a reason (at least 3 characters).")
    done = cancel_date(current_user.id, route.id, operator.id, day, reason, _form_ids("trips"))
    if done.trips:
        flash(
            f"{done.trips} trip{'' if done.trips == 1 else 's'} cancelled: "
            f"{done.refunded} paid booking{'' if done.refunded == 1 else 's'} refunded in full, "
            f"{done.holds_ended} unpaid closed (nothing was charged). Passengers are being told.",
            "success",
        )
    else:
        flash("Nothing changed: no trip of that date was still scheduled.", "info")
    return redirect(
        url_for(
            "admin.confirm_cancel_date", route=route.id, operator=operator.id, date=day.isoformat()
        ),
        303,
    )
