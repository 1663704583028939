"""The sandbox remembers its payments across a restart when given a file."""

from decimal import Decimal
from pathlib import Path

from webapp.gateways.sandbox.state import Link, Refund, SandboxState, Transaction, now


def test_links_transactions_and_refunds_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    first = SandboxState(path)
    link = Link(
        "abc",
        "RP-1",
        Decimal("30500.00"),
        "NGN",
        "http://x/back",
        {"email": "a@b.c"},
        {},
        "Roadpass",
        "",
        "http://x/hook",
        now(),
        finished=True,
        expires_at=now(),
    )
    paid = Transaction(
        first.next_id(),
        "RP-1",
        "FLW-1",
        Decimal("30500.00"),
        "NGN",
        "successful",
        "Approved",
        "5531886652142950",
        {"email": "a@b.c"},
        {},
        now(),
        refunded=Decimal("100.50"),
    )
    refund = Refund(
        first.next_id(),
        paid.id,
        "FLW-1",
        Decimal("100.50"),
        "Roadpass refund #1",
        "completed",
        now(),
    )
    first.links[link.id] = link
    first.transactions[paid.id] = paid
    first.refunds[refund.id] = refund
    first.save()

    second = SandboxState(path)

    assert second.links == {"abc": link}
    assert second.transactions == {paid.id: paid}
    assert second.refunds == {refund.id: refund}
    assert second.next_id() > refund.id  # new ids never collide with remembered ones


def test_an_unreadable_file_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    path.write_text("{not json")

    assert SandboxState(path).transactions == {}
