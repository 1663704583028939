"""`/admin/trips/<id>/board`: the page at the bus door (admins and the trip operator's staff)."""

from flask import Response, make_response, render_template, request
from flask_login import current_user

from webapp.admin import bp, staff_required
from webapp.admin.trips import manifest_rows, scoped_trip
from webapp.config import JSQR_SRI, JSQR_VERSION
from webapp.tickets import boarding
from webapp.tickets.boarding import Boarding, Outcome

STATUS = {
    Outcome.BOARDED: 200,
    Outcome.ALREADY_BOARDED: 409,
    Outcome.UNKNOWN: 404,
}


@bp.get("/trips/<id:trip_id>/board")
@staff_required
def board_page(trip_id: int) -> Response:
    return _with_camera(_render(trip_id, None), 200)


@bp.post("/trips/<id:trip_id>/board")
@staff_required
def board(trip_id: int) -> Response:
    scoped_trip(trip_id)
    code = str(request.form.get("code") or "")
    if not code.strip():
        page = _render(trip_id, None, "Type the booking reference or scan the ticket.")
        return _with_camera(page, 422)
    outcome = boarding.board(current_user.id, trip_id, code)
    return _with_camera(_render(trip_id, outcome), STATUS.get(outcome.outcome, 422))


def _with_camera(page: str, status: int) -> Response:
    """This page alone may use the camera (every other page refuses it)."""
    response = make_response(page, status)
    response.headers["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
    return response


def _render(trip_id: int, result: Boarding | None, problem: str | None = None) -> str:
    found = scoped_trip(trip_id)
    rows = manifest_rows(trip_id)
    return render_template(
        "admin/board.html",
        trip=found,
        result=result,
        problem=problem,
        boarded=sum(1 for seat, _ in rows if seat.boarded_at),
        total=len(rows),
        jsqr={"version": JSQR_VERSION, "integrity": JSQR_SRI},
    )
