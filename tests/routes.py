"""Every rule in the URL map, declared: who may use it and which path values to call it with.

`tests/test_routes.py` fails when a rule in the URL map is missing here (or declared but gone),
so a new route cannot be forgotten by the authorization table (`tests/hardening/
test_authorization.py`) or the hostile-input properties (`tests/hardening/test_hostile_input.py`),
which both walk this table.

`answers` is what a plain request gets from each of the six callers, in the order of `ROLES`:
a GET with nothing else, or a POST/DELETE with an empty body (and the session's CSRF token for a
browser form). Browser callers sign in with the session cookie; under `/api` they send their own
API token instead (the anonymous caller sends none).
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import StrEnum

from flask import Flask, url_for
from werkzeug.routing import Rule

from tests.admin.helpers import paid_booking
from tests.factories import create_operator, create_token, create_trip, create_user, held
from webapp import clock
from webapp.accounts.models import Role
from webapp.extensions import db
from webapp.payments.models import Payment
from webapp.refunds.models import Refund, RefundReason
from webapp.settlements.models import Settlement
from webapp.settlements.services import calculate_one

ROLES = ("anonymous", "passenger", "other passenger", "staff", "other staff", "admin")


class Access(StrEnum):
    PUBLIC = "anyone"
    SIGNED_IN = "any signed-in user, for their own things"
    OWNER = "the passenger whose booking, payment or token it is"
    STAFF = "admins, and the staff of the trip's operator"
    ADMIN = "admins only"
    API = "an API token; a path id must be the token owner's"
    JOBS = "the X-Jobs-Secret header"
    WEBHOOK = "the gateway's verif-hash header"
    SANDBOX = "the Flutterwave simulator (never served in production)"
    STATIC = "static files"


@dataclass(frozen=True)
class Declared:
    access: Access
    answers: Mapping[str, str]  # method → six status codes, one per caller in ROLES
    values: Mapping[str, str] = field(default_factory=dict)  # path argument → World attribute
    # Tables a refused (4xx) request may still write, and why (see DECLARED).
    refused_writes: frozenset[str] = frozenset()

    def expected(self, method: str) -> tuple[int, ...]:
        return tuple(int(code) for code in self.answers[method].split())


def d(
    access: Access,
    values: Mapping[str, str] | None = None,
    *,
    refused_writes: frozenset[str] = frozenset(),
    **answers: str,
) -> Declared:
    return Declared(access, answers, values or {}, refused_writes)


TRIP = {"trip_id": "trip_id"}
HELD = {"reference": "held_reference"}
CONFIRMED = {"reference": "confirmed_reference"}

# Codes per caller: anonymous, passenger (the owner), another passenger, the staff of the trip's
# operator, the staff of another operator, an admin.
DECLARED: dict[str, Declared] = {
    # -- public pages
    "trips.home": d(Access.PUBLIC, GET="200 200 200 200 200 200"),
    "trips.results": d(Access.PUBLIC, GET="422 422 422 422 422 422"),  # needs origin, destination
    "trips.help_page": d(Access.PUBLIC, GET="200 200 200 200 200 200"),
    "trips.terms": d(Access.PUBLIC, GET="200 200 200 200 200 200"),
    "trips.refund_policy": d(Access.PUBLIC, GET="200 200 200 200 200 200"),
    "booking.trip": d(Access.PUBLIC, TRIP, GET="200 200 200 200 200 200"),
    "booking.seats": d(Access.PUBLIC, TRIP, GET="200 200 200 200 200 200"),
    "health.livez": d(Access.PUBLIC, GET="200 200 200 200 200 200"),
    "health.healthz": d(Access.PUBLIC, GET="200 200 200 200 200 200"),
    "static": d(Access.STATIC, {"filename": "static_file"}, GET="200 200 200 200 200 200"),
    # -- accounts
    "accounts.register": d(
        Access.PUBLIC, GET="200 302 302 302 302 302", POST="422 302 302 302 302 302"
    ),
    "accounts.login": d(
        Access.PUBLIC, GET="200 200 200 200 200 200", POST="422 422 422 422 422 422"
    ),
    "accounts.logout": d(Access.SIGNED_IN, POST="303 303 303 303 303 303"),
    "accounts.tokens": d(
        Access.SIGNED_IN, GET="302 200 200 200 200 200", POST="302 422 422 422 422 422"
    ),
    "accounts.revoke_token": d(
        Access.OWNER, {"token_id": "token_id"}, POST="302 303 404 404 404 404"
    ),
    # -- booking and paying in the browser
    "booking.hold": d(Access.SIGNED_IN, TRIP, POST="302 303 303 303 303 303"),  # back to the map
    "booking.release": d(Access.OWNER, HELD, POST="302 303 404 404 404 404"),
    "payments.details": d(
        Access.OWNER, HELD, GET="302 200 404 404 404 404", POST="302 422 404 404 404 404"
    ),
    "payments.summary": d(Access.OWNER, HELD, GET="302 303 404 404 404 404"),
    "payments.paying": d(Access.OWNER, HELD, GET="302 303 404 404 404 404"),
    "payments.pay": d(Access.OWNER, HELD, POST="302 422 404 404 404 404"),
    "payments.payment_return": d(Access.OWNER, GET="302 404 404 404 404 404"),  # needs ?tx_ref=
    "payments.payment_status": d(
        Access.OWNER, {"payment_id": "payment_id"}, GET="302 200 404 404 404 404"
    ),
    "tickets.ticket": d(Access.OWNER, CONFIRMED, GET="302 200 404 404 404 200"),  # admins too
    "tickets.confirm_cancel": d(Access.OWNER, CONFIRMED, GET="302 200 404 404 404 404"),
    "tickets.cancel": d(Access.OWNER, CONFIRMED, POST="302 422 404 404 404 404"),
    "tickets.ticket_download": d(Access.OWNER, CONFIRMED, GET="302 200 404 404 404 200"),
    "tickets.find_booking": d(
        Access.PUBLIC, GET="200 200 200 200 200 200", POST="422 422 422 422 422 422"
    ),
    "recovery.forgot_password": d(
        Access.PUBLIC, GET="200 200 200 200 200 200", POST="422 422 422 422 422 422"
    ),
    "recovery.reset_password": d(
        Access.PUBLIC,
        {"token": "sandbox_id"},  # an unknown or expired reset link is a 400
        GET="400 400 400 400 400 400",
        POST="400 400 400 400 400 400",
    ),
    "accounts.account": d(
        Access.SIGNED_IN, GET="302 200 200 200 200 200", POST="302 422 422 422 422 422"
    ),
    "tickets.my_bookings": d(Access.SIGNED_IN, GET="302 200 200 200 200 200"),
    "accounts.devices": d(Access.SIGNED_IN, GET="302 200 200 200 200 200"),
    "accounts.sign_out_device": d(
        Access.OWNER, {"session_id": "sandbox_id"}, POST="302 404 404 404 404 404"
    ),  # a device that is not one of the caller's is not found
    "accounts.sign_out_everywhere": d(Access.SIGNED_IN, POST="302 303 303 303 303 303"),
    "accounts.change_password": d(
        Access.SIGNED_IN, GET="302 200 200 200 200 200", POST="302 422 422 422 422 422"
    ),
    # -- the back office
    "admin.dashboard": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.audit": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.audit_csv": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.bookings": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.bookings_csv": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.booking": d(Access.ADMIN, CONFIRMED, GET="302 404 404 404 404 200"),
    "admin.jobs": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.run_now": d(Access.ADMIN, {"job": "job"}, POST="302 404 404 404 404 303"),
    "admin.requeue": d(
        Access.ADMIN,
        {"queue_name": "queue_name", "job_id": "rq_job_id"},
        POST="302 404 404 404 404 303",
    ),
    "admin.payments": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.payments_csv": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.refunds": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.refunds_csv": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.retry": d(Access.ADMIN, {"refund_id": "refund_id"}, POST="302 404 404 404 404 303"),
    "admin.settlements": d(Access.STAFF, GET="302 404 404 200 200 200"),
    "admin.settlement": d(
        Access.STAFF, {"settlement_id": "settlement_id"}, GET="302 404 404 200 404 200"
    ),
    "admin.settlement_csv": d(
        Access.STAFF, {"settlement_id": "settlement_id"}, GET="302 404 404 200 404 200"
    ),
    "admin.statement": d(
        Access.STAFF, {"settlement_id": "settlement_id"}, GET="302 404 404 200 404 200"
    ),
    "admin.approve_view": d(
        Access.ADMIN, {"settlement_id": "settlement_id"}, POST="302 404 404 404 404 422"
    ),
    "admin.check": d(
        Access.ADMIN, {"settlement_id": "settlement_id"}, POST="302 404 404 404 404 422"
    ),
    "admin.send": d(
        Access.ADMIN, {"settlement_id": "settlement_id"}, POST="302 404 404 404 404 409"
    ),
    "admin.adjust_view": d(Access.ADMIN, POST="302 404 404 404 404 422"),
    "admin.calculate": d(Access.ADMIN, POST="302 404 404 404 404 422"),
    "admin.month_csv": d(Access.STAFF, GET="302 404 404 422 422 422"),  # needs ?month=
    "admin.staff": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.add_staff": d(Access.ADMIN, POST="302 404 404 404 404 422"),
    "admin.ledger": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.ledger_csv": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.entries_csv": d(
        Access.STAFF, {"settlement_id": "settlement_id"}, GET="302 404 404 200 404 200"
    ),
    "admin.confirm_cancel_date": d(Access.ADMIN, GET="302 404 404 404 404 200"),
    "admin.cancel_date_view": d(Access.ADMIN, POST="302 404 404 404 404 422"),
    "admin.trips": d(Access.STAFF, GET="302 404 404 200 200 200"),
    "admin.trips_csv": d(Access.STAFF, GET="302 404 404 200 200 200"),
    "admin.trip": d(Access.STAFF, TRIP, GET="302 404 404 200 404 200"),
    "admin.board_page": d(Access.STAFF, TRIP, GET="302 404 404 200 404 200"),
    "admin.board": d(Access.STAFF, TRIP, POST="302 404 404 422 404 422"),
    "admin.manifest_csv": d(Access.STAFF, TRIP, GET="302 404 404 200 404 200"),
    "admin.confirm_cancel": d(Access.ADMIN, TRIP, GET="302 404 404 404 404 200"),
    "admin.cancel": d(Access.ADMIN, TRIP, POST="302 404 404 404 404 422"),
    # -- the JSON API (bearer tokens)
    "api.openapi_document": d(Access.PUBLIC, GET="200 200 200 200 200 200"),
    "api.list_trips": d(Access.API, GET="401 422 422 422 422 422"),
    "api.trip_seats": d(Access.API, TRIP, GET="401 200 200 200 200 200"),
    "api.available_seats": d(Access.API, GET="401 422 422 422 422 422"),  # needs ?tripId=
    "api.reserve": d(Access.API, POST="401 422 422 422 422 422"),
    "api.release_hold": d(
        Access.API, {"booking_id": "held_booking_id"}, DELETE="401 200 404 404 404 404"
    ),
    "api.cancellation_quote": d(
        Access.API, {"booking_id": "confirmed_booking_id"}, GET="401 200 404 404 404 404"
    ),
    "api.cancel": d(
        Access.API, {"booking_id": "confirmed_booking_id"}, POST="401 200 404 404 404 404"
    ),
    "api.create_payment": d(Access.API, POST="401 400 400 400 400 400"),  # Idempotency-Key needed
    "api.get_payment": d(Access.API, {"payment_id": "payment_id"}, GET="401 200 404 404 404 404"),
    "api.start_job": d(Access.JOBS, {"job": "job"}, POST="401 401 401 401 401 401"),
    "api.jobs_health": d(Access.JOBS, GET="401 401 401 401 401 401"),
    # An authentic body that is not Flutterwave's is stored as rejected before its 400.
    "api.flutterwave_webhook": d(
        Access.WEBHOOK, POST="401 401 401 401 401 401", refused_writes=frozenset({"webhook_events"})
    ),
}

# The Flutterwave simulator: what the real gateway would answer, to anyone (it checks the
# secret key on /v3 itself). Its control pages serve the tests and the demo.
SANDBOX_VALUES = {
    "link_id": "sandbox_id",
    "transaction_id": "sandbox_number",
    "refund_id": "sandbox_id",
    "transfer_id": "sandbox_number",
    "currency": "currency",
    "unknown": "sandbox_id",
}
SANDBOX_ANSWERS: dict[str, dict[str, str]] = {
    "sandbox.checkout": {"GET": "404"},
    "sandbox.pay": {"POST": "404"},
    "sandbox.control": {"GET": "200", "POST": "303"},
    "sandbox.deliver": {"POST": "200"},
    "sandbox.deliveries": {"GET": "200"},
    "sandbox.current_faults": {"GET": "200"},
    "sandbox.set_faults": {"POST": "400"},
    "sandbox.links": {"GET": "200"},
    "sandbox.expire_link": {"POST": "404"},
    "sandbox.reset": {"POST": "200"},
    "sandbox.plant": {"POST": "404"},
    "sandbox.transfer_log": {"GET": "200"},
    "sandbox.complete_transfer": {"POST": "404"},
    "sandbox.transfer_faults": {"POST": "200"},
    "sandbox.reset_transfers": {"POST": "200"},
    "sandbox.wait": {"POST": "400"},  # needs refundOf
    "sandbox.unknown_route": dict.fromkeys(("GET", "POST", "PUT", "PATCH", "DELETE"), "401"),
    "sandbox.resolve_account": {"POST": "401"},
    "sandbox.balances": {"GET": "401"},
    "sandbox.balance": {"GET": "401"},
    "sandbox.create_payment": {"POST": "401"},
    "sandbox.list_refunds": {"GET": "401"},
    "sandbox.get_refund": {"GET": "401"},
    "sandbox.list_transactions": {"GET": "401"},
    "sandbox.transaction_events": {"GET": "401"},
    "sandbox.refund": {"POST": "401"},
    "sandbox.resend_hook": {"POST": "401"},
    "sandbox.verify": {"GET": "401"},
    "sandbox.transaction_fee": {"GET": "401"},
    "sandbox.verify_by_reference": {"GET": "401"},
    "sandbox.create_transfer": {"POST": "401"},
    "sandbox.list_transfers": {"GET": "401"},
    "sandbox.get_transfer": {"GET": "401"},
}
# A token's last use is recorded (at most once a minute) even when the request it came with is
# then refused: it was used.
for _endpoint, _declared in DECLARED.items():
    if _declared.access == Access.API:
        DECLARED[_endpoint] = replace(_declared, refused_writes=frozenset({"api_tokens"}))

for _endpoint, _answers in SANDBOX_ANSWERS.items():
    DECLARED[_endpoint] = Declared(
        Access.SANDBOX,
        {method: " ".join([code] * len(ROLES)) for method, code in _answers.items()},
        SANDBOX_VALUES,
    )


@dataclass(frozen=True)
class World:
    """The rows every declared route is called about: one trip of one operator, a passenger
    with a hold, a confirmed and paid booking, a refund and an API token; another passenger, the
    operator's staff, another operator's staff and an admin; a settlement of last month."""

    users: Mapping[str, int]  # role → user id (none for the anonymous caller)
    tokens: Mapping[str, str]  # role → API token
    trip_id: int
    held_reference: str
    held_booking_id: int
    confirmed_reference: str
    confirmed_booking_id: int
    payment_id: int
    refund_id: int
    token_id: int
    settlement_id: int
    job: str = "expire-seats"
    queue_name: str = "default"
    rq_job_id: str = "no-such-job"
    static_file: str = "css/app.css"
    sandbox_id: str = "no-such-thing"
    sandbox_number: int = 1
    currency: str = "NGN"


def build_world() -> World:
    operator = create_operator()
    trip = create_trip(operator=operator)
    users = {
        "passenger": create_user(),
        "other passenger": create_user(),
        "staff": create_user(role=Role.OPERATOR_STAFF, operator_id=operator.id),
        "other staff": create_user(role=Role.OPERATOR_STAFF, operator_id=create_operator().id),
        "admin": create_user(role=Role.ADMIN),
    }
    passenger = users["passenger"]
    tokens = {role: create_token(user) for role, user in users.items()}
    hold = held(passenger.id, trip.id, ["1A"])
    confirmed = paid_booking(trip, ["2A"], clock.now() - timedelta(days=40), user_id=passenger.id)
    payment = db.session.query(Payment).filter_by(booking_id=confirmed.id).one()
    refund = Refund(
        payment_id=payment.id,
        booking_id=confirmed.id,
        amount=1000,
        currency=payment.currency,
        reason=RefundReason.OVERPAYMENT,
        status="FAILED",
    )
    db.session.add(refund)
    db.session.commit()
    last_month = (clock.today_in_lagos().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    calculate_one(operator.id, last_month)
    settlement = db.session.query(Settlement).filter_by(operator_id=operator.id).one()
    return World(
        users={role: user.id for role, user in users.items()},
        tokens={role: secret for role, (_, secret) in tokens.items()},
        trip_id=trip.id,
        held_reference=hold.reference,
        held_booking_id=hold.id,
        confirmed_reference=confirmed.reference,
        confirmed_booking_id=confirmed.id,
        payment_id=payment.id,
        refund_id=refund.id,
        token_id=tokens["passenger"][0].id,
        settlement_id=settlement.id,
    )


@dataclass(frozen=True)
class Call:
    endpoint: str
    method: str
    rule: Rule
    declared: Declared

    def url(self, app: Flask, world: World) -> str:
        values = {arg: getattr(world, self.declared.values[arg]) for arg in self.rule.arguments}
        with app.test_request_context():
            return url_for(self.endpoint, **values)


def calls(app: Flask) -> Iterator[Call]:
    """Every (rule, method) of the URL map with its declaration, in a stable order."""
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
    for rule in rules:
        declared = DECLARED[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield Call(rule.endpoint, method, rule, declared)
