"""Search pages: the search form and its results. The trip page with its seat map is the
booking package's (`webapp.booking.views`)."""

from flask import Blueprint, current_app, render_template, request

from webapp import clock
from webapp.errors import ValidationError
from webapp.trips import queries
from webapp.trips.search import parse_search

bp = Blueprint("trips", __name__)


def _search_form_context(values: dict[str, str], errors: dict[str, str]) -> dict[str, object]:
    return {
        "cities": queries.list_cities(),
        "values": values,
        "errors": errors,
        "today": clock.today_in_lagos().isoformat(),
    }


@bp.get("/")
def home() -> str:
    values = {"origin": "", "destination": "", "date": clock.today_in_lagos().isoformat()}
    return render_template("trips/home.html", **_search_form_context(values, {}))


@bp.get("/trips")
def results() -> tuple[str, int]:
    values = {key: request.args.get(key, "")[:100] for key in ("origin", "destination", "date")}
    config = current_app.config
    try:
        criteria = parse_search(
            values["origin"],
            values["destination"],
            values["date"],
            today=clock.today_in_lagos(),
            max_days=config["SEARCH_MAX_DAYS_AHEAD"],
        )
    except ValidationError as error:
        context = _search_form_context(values, error.details)
        return render_template("trips/home.html", **context), 422
    trips = queries.search_trips(criteria, clock.now(), config["SALES_CUTOFF_MINUTES"])
    values = {
        "origin": criteria.origin.slug,
        "destination": criteria.destination.slug,
        "date": criteria.day.isoformat(),
    }
    context = _search_form_context(values, {})
    return render_template("trips/results.html", trips=trips, criteria=criteria, **context), 200
