"""The admin settlement pages, in the rolled-back app (SPEC §9)."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from tests.factories import PASSWORD, create_operator, create_user
from tests.helpers import log_in, page
from tests.settlements.test_calculate import at, paid_on
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.ledger.models import Entry
from webapp.settlements.models import Settlement
from webapp.settlements.services import calculate_settlements


def admin_client(app, client):
    admin = create_user(role="admin")
    log_in(client, admin.email, PASSWORD)
    return admin


def test_only_admins_see_settlements(app, client) -> None:
    passenger = create_user()
    assert client.get("/admin/settlements").status_code in (302, 401)
    log_in(client, passenger.email, PASSWORD)
    assert client.get("/admin/settlements").status_code == 404
    assert client.post("/admin/settlements/calculate", data={"month": "2026-11"}).status_code in (
        400,
        404,
    )


def test_calculate_list_open_and_export(app, client, travel) -> None:
    operator = create_operator(slug="ekene", payout_account_number="0123456789")
    at(travel, datetime(2026, 11, 10, 9, tzinfo=UTC))
    paid_on(operator, ["1A", "1B"])
    admin = admin_client(app, client)

    response = client.post(
        "/admin/settlements/calculate",
        data={"month": "2026-11", "csrf_token": _token(client)},
    )
    assert response.status_code == 303
    listing = page(client.get("/admin/settlements?month=2026-11"))
    rows = listing.select("#settlements tbody tr[data-settlement]")
    assert [r["data-status"] for r in rows] == ["CALCULATED"]
    settlement_id = int(rows[0]["data-settlement"])

    detail = page(client.get(f"/admin/settlements/{settlement_id}"))
    assert detail.find(id="settlement-status")["data-status"] == "CALCULATED"
    assert detail.find(id="settlement-status").get_text(strip=True) == "Calculated"
    assert detail.find(id="closing-balance").get_text(strip=True) == "₦18,400.00"
    assert "0123456789" not in str(detail)  # payout details masked
    assert detail.find(id="payout-account").get_text(strip=True).endswith("••••••6789")
    assert len(detail.select("#line-fare tr[data-entry]")) == 1
    printable = page(client.get(f"/admin/settlements/{settlement_id}/statement"))
    assert printable.find(id="closing-balance").get_text(strip=True) == "₦18,400.00"
    exported = client.get(f"/admin/settlements/{settlement_id}.csv")
    assert exported.mimetype == "text/csv"
    assert exported.get_data(as_text=True).splitlines()[1].startswith("ekene,2026-11,0.00,1,")
    month = client.get("/admin/settlements/export.csv?month=2026-11")
    assert len(month.get_data(as_text=True).splitlines()) == 2
    audited = db.session.scalars(
        select(AuditEvent.actor_user_id).where(AuditEvent.action == "settlement.created")
    ).all()
    assert audited == [admin.id]


def test_bad_filters_and_unknown_settlements_are_4xx(app, client) -> None:
    admin_client(app, client)
    assert client.get("/admin/settlements?month=2026-13").status_code == 422
    assert client.get("/admin/settlements?status=NOPE").status_code == 422
    assert client.get("/admin/settlements/999999").status_code == 404
    assert client.get("/admin/settlements/export.csv?month=x").status_code == 422
    bad = client.post(
        "/admin/settlements/calculate", data={"month": "13-2026", "csrf_token": _token(client)}
    )
    assert bad.status_code == 422
    last = client.post(  # was a 500: the month after 9999-12 has no start
        "/admin/settlements/calculate", data={"month": "9999-12", "csrf_token": _token(client)}
    )
    assert last.status_code == 422
    assert client.get("/admin/settlements/export.csv?month=9999-12").status_code == 422
    assert db.session.scalar(select(Settlement.id)) is None


def _token(client) -> str:
    return page(client.get("/admin/settlements")).find("meta", attrs={"name": "csrf-token"})[
        "content"
    ]


def test_an_adjustment_from_the_page_and_bad_ones_refused(app, client) -> None:
    operator = create_operator(slug="adjust-me")
    admin_client(app, client)
    token = _token(client)

    bad = [
        {"operator": "adjust-me", "amount": "12.345", "reason": "a good reason"},
        {"operator": "adjust-me", "amount": "100", "reason": "no"},
        {"operator": "nobody", "amount": "100", "reason": "a good reason"},
    ]
    answers = [
        client.post("/admin/settlements/adjust", data={**form, "csrf_token": token}).status_code
        for form in bad
    ]
    good = client.post(
        "/admin/settlements/adjust",
        data={
            "operator": "adjust-me",
            "amount": "-99.50",
            "reason": "refund of a fine",
            "csrf_token": token,
        },
    )

    assert answers == [422, 422, 404]
    assert good.status_code == 303
    amounts = db.session.scalars(
        select(Entry.amount).where(Entry.operator_id == operator.id, Entry.line == "adjustment")
    ).all()
    assert amounts == [9_950]  # a debit: the operator is owed ₦99.50 less


def test_operator_staff_read_their_own_statements_only(app, client, travel) -> None:
    ours, theirs = create_operator(slug="ours"), create_operator(slug="theirs")
    at(travel, datetime(2026, 11, 10, 9, tzinfo=UTC))
    paid_on(ours, ["1A", "1B"])
    paid_on(theirs, ["1A"])
    calculate_settlements("2026-11")
    mine, other = (
        db.session.scalar(select(Settlement.id).where(Settlement.operator_id == o.id))
        for o in (ours, theirs)
    )
    staff = create_user(role="operator_staff", operator_id=ours.id)
    log_in(client, staff.email, PASSWORD)

    listing = page(client.get("/admin/settlements"))
    detail = page(client.get(f"/admin/settlements/{mine}"))
    entries = client.get(f"/admin/settlements/{mine}/entries.csv")
    rows = list(csv.DictReader(io.StringIO(entries.get_data(as_text=True))))  # streamed: read it
    month = client.get("/admin/settlements/export.csv?month=2026-11").get_data(as_text=True)

    assert [
        int(r["data-settlement"]) for r in listing.select("#settlements tr[data-settlement]")
    ] == [mine]
    assert listing.find(id="calculate-form") is None
    assert listing.find(id="adjust-form") is None
    assert (
        listing.select_one('nav.admin-nav a[href="/admin/settlements"]').get_text() == "Statements"
    )
    assert detail.find(id="closing-balance").get_text(strip=True) == "₦18,400.00"
    assert detail.find(id="approve-form") is None  # read-only: no approve, no send
    assert "0123456789" not in str(detail)
    assert entries.mimetype == "text/csv"
    assert sorted(r["line"] for r in rows) == ["commission", "fare"]  # one booking, two seats
    assert sum(Decimal(r["owed_change"]) for r in rows) == Decimal("18400.00")
    assert [line.split(",")[0] for line in month.splitlines()] == ["operator", "ours"]
    assert client.get(f"/admin/settlements/{mine}/statement").status_code == 200
    for path in ("", "/statement", ".csv", "/entries.csv"):
        assert client.get(f"/admin/settlements/{other}{path}").status_code == 404, path
    token = listing.find("meta", attrs={"name": "csrf-token"})["content"]
    refused = client.post(f"/admin/settlements/{mine}/approve", data={"csrf_token": token})
    assert refused.status_code == 404
    assert db.session.get(Settlement, mine).status == "CALCULATED"
