"""Search pages: the search form and its results. The trip page with its seat map is the
booking package's (`webapp.booking.views`)."""

from datetime import timedelta

from flask import Blueprint, current_app, render_template, request, url_for

from webapp import clock
from webapp.errors import ValidationError
from webapp.fleet.policy import DEFAULT_POLICY
from webapp.trips import listing, queries
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
    now, cutoff, today = clock.now(), config["SALES_CUTOFF_MINUTES"], clock.today_in_lagos()
    day_trips = queries.search_trips(criteria, now, cutoff)
    operators = sorted({trip.operator_name for trip in day_trips})
    choices = listing.Choices.parse(
        request.args.get("sort", ""),
        request.args.get("operator", "")[:100],
        request.args.get("time", ""),
        operators,
    )
    last_day = today + timedelta(days=config["SEARCH_MAX_DAYS_AHEAD"])
    first = max(today, criteria.day - timedelta(days=listing.NEARBY_DAYS * 2))
    fares = queries.lowest_fares(
        criteria,
        first,
        min(last_day, criteria.day + timedelta(days=listing.NEARBY_DAYS * 2)),
        now,
        cutoff,
    )
    values = {
        "origin": criteria.origin.slug,
        "destination": criteria.destination.slug,
        "date": criteria.day.isoformat(),
    }
    context = _search_form_context(values, {})
    route_args = {"origin": values["origin"], "destination": values["destination"]}
    nearby = listing.nearby_days(criteria.day, today, last_day, fares)
    day_links = [
        url_for("trips.results", **route_args, date=near.day.isoformat(), **choices.as_args())
        for near in nearby
    ]
    page = render_template(
        "trips/results.html",
        trips=listing.arrange(day_trips, choices),
        day_count=len(day_trips),
        criteria=criteria,
        choices=choices,
        operators=operators,
        sorts=listing.SORTS,
        times_of_day=listing.TIMES_OF_DAY,
        nearby=zip(nearby, day_links, strict=True),
        show_all=url_for("trips.results", **values),
        **context,
    )
    return page, 200


def _policy_figures() -> dict[str, object]:
    """The figures the help, terms and refund-policy pages state, read from the settings, so
    the pages never disagree with what the code does."""
    config = current_app.config
    return {
        "hold_minutes": config["SEAT_HOLD_MINUTES"],
        "payment_minutes": config["PAYMENT_WINDOW_MINUTES"],
        "max_hold_minutes": config["MAX_HOLD_MINUTES"],
        "max_seats": config["MAX_SEATS_PER_BOOKING"],
        "max_holds": config["MAX_ACTIVE_HOLDS_PER_USER"],
        "cutoff_minutes": config["SALES_CUTOFF_MINUTES"],
        "service_fee": config["SERVICE_FEE_PER_SEAT"],
        "tiers": DEFAULT_POLICY,
    }


@bp.get("/help")
def help_page() -> str:
    return render_template("trips/help.html", **_policy_figures())


@bp.get("/terms")
def terms() -> str:
    return render_template("trips/terms.html", **_policy_figures())


@bp.get("/refund-policy")
def refund_policy() -> str:
    return render_template("trips/refund_policy.html", **_policy_figures())
