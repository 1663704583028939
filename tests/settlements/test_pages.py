"""The admin settlement pages, in the rolled-back app (SPEC §9)."""

from datetime import UTC, datetime

from sqlalchemy import select

from tests.factories import PASSWORD, create_operator, create_user
from tests.helpers import log_in, page
from tests.settlements.test_calculate import at, paid_on
from webapp.audit.models import AuditEvent
from webapp.extensions import db
from webapp.ledger.models import Entry
from webapp.settlements.models import Settlement


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
    assert detail.find(id="settlement-status").get_text(strip=True) == "CALCULATED"
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
