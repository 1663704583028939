"""Paying a settlement out through Flutterwave Transfers, with four eyes (SPEC §7).

One admin approves (the payout account is resolved at the gateway and its name recorded);
another sends. Sending writes the payout row, its `payout_sent` journal and the settlement's
PAYING status in one transaction under the operator's lock, so two clicks at once make one
payout; only the request that made it calls the gateway. The transfer's reference derives from
the settlement and the attempt (`RP-STL-<settlement>-<attempt>`), and every call first looks the
reference up, so a retry after a lost answer adopts the first transfer instead of sending a
second. PAID only when a fetched transfer says SUCCESSFUL (a webhook is just a trigger); a
FAILED one returns the settlement to APPROVED with the reason and posts the reversing journal.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from webapp import clock
from webapp.audit import services as audit
from webapp.database import begin_write
from webapp.errors import ConflictError, NotFoundError, ValidationError
from webapp.extensions import db
from webapp.gateways.base import GatewayError, GatewayUnavailableError
from webapp.gateways.transfers import GatewayTransfer, TransferRequest, transfer_gateway
from webapp.ledger.models import Account, JournalKind, Line, operator_account
from webapp.ledger.posting import Posting, post_journal
from webapp.payments.models import WebhookEvent
from webapp.settlements.models import (
    OPEN_PAYOUT,
    Payout,
    PayoutStatus,
    Settlement,
    SettlementStatus,
)
from webapp.settlements.services import SettlementStateError, _locked, approve_settlement

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)  # longer than one gateway call can take


class FourEyesError(ConflictError):
    code = "FOUR_EYES"


def reference_for(settlement_id: int, attempt: int) -> str:
    return f"RP-STL-{settlement_id}-{attempt}"


def approve(settlement_id: int, admin_user_id: int) -> Settlement:
    """Resolve the operator's payout account at the gateway, then approve with its name."""
    settlement = db.session.get(Settlement, settlement_id)
    if settlement is None:
        raise NotFoundError("We could not find that settlement.")
    operator = settlement.operator
    number, bank = operator.payout_account_number, operator.payout_bank_code
    db.session.rollback()  # no transaction open while waiting on the network
    if not number or not bank:
        raise ValidationError("This operator has no payout bank account on file.")
    resolved = transfer_gateway().resolve_account(number, bank)
    return approve_settlement(settlement_id, admin_user_id, resolved.account_name)


def send_payout(settlement_id: int, admin_user_id: int) -> Payout:
    """APPROVED → PAYING, then the transfer. The approver may not send (four eyes)."""
    payout_id, mine = open_payout(settlement_id, admin_user_id)
    if mine:
        _push(payout_id)
    payout = db.session.get(Payout, payout_id)
    assert payout is not None
    return payout


def follow_payout(payout_id: int) -> str:
    """Look an open payout up at the gateway (and send it if it never arrived there)."""
    if not _claim(payout_id):
        return "busy"
    return _push(payout_id)


def open_payout(settlement_id: int, admin_user_id: int) -> tuple[int, bool]:
    begin_write()
    settlement = _locked(settlement_id)
    if settlement.status == SettlementStatus.PAYING:
        current = _open_transfer_of(settlement.id)
        if current is not None:
            db.session.commit()
            return current.id, False  # a second click: the first one is sending it
    if settlement.status != SettlementStatus.APPROVED:
        raise SettlementStateError(f"This settlement is {settlement.status}, not APPROVED.")
    if settlement.approved_by_id == admin_user_id:
        raise FourEyesError("Another administrator must send a payout you approved.")
    if settlement.closing_balance <= 0:
        raise SettlementStateError("Nothing is owed to this operator: there is nothing to send.")
    now = clock.now()
    attempt = (
        db.session.scalar(
            select(func.count(Payout.id)).where(Payout.settlement_id == settlement.id)
        )
        or 0
    ) + 1
    payout = Payout(
        settlement_id=settlement.id,
        attempt=attempt,
        reference=reference_for(settlement.id, attempt),
        amount=settlement.closing_balance,
        currency=settlement.currency,
        sent_by_id=admin_user_id,
        claimed_at=now,
        history=[_event(now, "SENDING", f"sent by admin #{admin_user_id}")],
        created_at=now,
        updated_at=now,
    )
    db.session.add(payout)
    db.session.flush()
    settlement.status = SettlementStatus.PAYING
    settlement.last_failure = None
    _post(JournalKind.PAYOUT_SENT, payout, settlement.operator_id, payout.amount, now)
    audit.record(
        "settlement.payout_sent",
        "settlement",
        settlement.id,
        actor_user_id=admin_user_id,
        payout_id=payout.id,
        reference=payout.reference,
        amount=payout.amount,
    )
    db.session.commit()
    return payout.id, True


def _push(payout_id: int) -> str:
    payout = db.session.get(Payout, payout_id)
    assert payout is not None
    operator = payout.settlement.operator
    request = TransferRequest(
        reference=payout.reference,
        amount=payout.amount,
        currency=payout.currency,
        bank_code=operator.payout_bank_code,
        account_number=operator.payout_account_number,
        narration=f"Roadpass settlement {payout.settlement.month}",
    )
    known_id = payout.gateway_transfer_id
    db.session.rollback()
    gateway = transfer_gateway()
    try:
        if known_id:
            found: GatewayTransfer | None = gateway.get_transfer(known_id)
        else:
            found = gateway.find_transfer(request.reference)  # a lost answer: adopt, not resend
            if found is None:
                found = gateway.create_transfer(request)
    except GatewayUnavailableError as error:
        return _unknown(payout_id, error.message)
    except GatewayError as error:
        return apply_transfer(payout_id, None, refusal=error.message)
    return apply_transfer(payout_id, found)


def apply_transfer(
    payout_id: int, transfer: GatewayTransfer | None, *, refusal: str | None = None
) -> str:
    """Record what the gateway said about a payout's transfer (fetched, never a webhook's
    word); a refusal or FAILED reverses the payout. Idempotent. Commits."""
    begin_write()
    settlement_id = db.session.scalar(select(Payout.settlement_id).where(Payout.id == payout_id))
    if settlement_id is None:
        raise NotFoundError("We could not find that payout.")
    settlement = _locked(settlement_id)
    payout = db.session.scalar(select(Payout).where(Payout.id == payout_id).with_for_update())
    assert payout is not None
    now = clock.now()
    if payout.status not in OPEN_PAYOUT:
        db.session.commit()
        return payout.status
    if transfer is not None and transfer.reference != payout.reference:
        db.session.rollback()
        raise ConflictError("The gateway's transfer is not this payout's.")
    payout.claimed_at = None
    payout.updated_at = now
    payout.last_error = None
    if transfer is not None:
        payout.gateway_transfer_id = transfer.transfer_id
        payout.complete_message = transfer.complete_message or None
    status = PayoutStatus.FAILED if refusal else transfer.status  # type: ignore[union-attr]
    if status not in PayoutStatus.__members__:
        status = PayoutStatus.PENDING
    if status != payout.status:
        detail = refusal or (transfer.complete_message if transfer else "") or ""
        payout.history = [*payout.history, _event(now, status, detail)]
    payout.status = status
    if status == PayoutStatus.SUCCESSFUL:
        payout.completed_at = now
        settlement.status = SettlementStatus.PAID
        settlement.paid_at = now
        audit.record(
            "settlement.paid",
            "settlement",
            settlement.id,
            actor="gateway",
            payout_id=payout.id,
            transfer_id=payout.gateway_transfer_id,
        )
    elif status == PayoutStatus.FAILED:
        reason = refusal or payout.complete_message or "The transfer failed."
        payout.completed_at = now
        payout.complete_message = reason[:300]
        settlement.status = SettlementStatus.APPROVED
        settlement.last_failure = reason[:300]
        _post(JournalKind.PAYOUT_FAILED, payout, settlement.operator_id, -payout.amount, now)
        audit.record(
            "settlement.payout_failed",
            "settlement",
            settlement.id,
            actor="gateway",
            payout_id=payout.id,
            reason=reason,
        )
    db.session.commit()
    return status


def _unknown(payout_id: int, message: str) -> str:
    """No answer: the payout stays open; the next look-up finds the transfer by reference."""
    begin_write()
    payout = db.session.scalar(select(Payout).where(Payout.id == payout_id).with_for_update())
    assert payout is not None
    now = clock.now()
    payout.last_error = message
    payout.updated_at = now
    payout.claimed_at = None
    payout.history = [*payout.history, _event(now, "UNKNOWN", message)]
    db.session.commit()
    log.warning("payout %s: outcome unknown (%s), will look it up", payout_id, message)
    return "unknown"


def _claim(payout_id: int) -> bool:
    now = clock.now()
    begin_write()
    claimed = db.session.execute(
        update(Payout)
        .where(
            Payout.id == payout_id,
            Payout.status.in_(OPEN_PAYOUT),
            or_(Payout.claimed_at.is_(None), Payout.claimed_at <= now - LEASE),
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def _open_transfer_of(settlement_id: int) -> Payout | None:
    return db.session.scalar(
        select(Payout).where(Payout.settlement_id == settlement_id, Payout.status.in_(OPEN_PAYOUT))
    )


def _post(kind: str, payout: Payout, operator_id: int, amount: int, now: datetime) -> None:
    """Money leaving (or, reversed, coming back to) our balance for the operator."""
    post_journal(
        kind,
        payout.id,
        [
            Posting(operator_account(operator_id), amount, payout.currency, Line.PAYOUT),
            Posting(Account.GATEWAY_CLEARING, -amount, payout.currency),
        ],
        effective_at=now,
        memo=f"payout {payout.reference} {'sent' if amount > 0 else 'failed'}",
        payout_id=payout.id,
    )


def _event(moment: datetime, status: str, detail: str) -> dict[str, str]:
    return {"at": moment.isoformat(), "status": status, "detail": detail[:300]}


def process_transfer_event(event_id: int) -> str:
    """A stored `transfer.completed` webhook: fetch the transfer it names and apply that."""
    event = db.session.get(WebhookEvent, event_id)
    if event is None or event.processed_at is not None:
        return "done"
    data = (event.payload or {}).get("data") or {}
    reference = str(data.get("reference") or "")
    payout_id = db.session.scalar(
        select(Payout.id).where(
            or_(Payout.reference == reference, Payout.gateway_transfer_id == event.transaction_id)
        )
    )
    transfer_id = event.transaction_id
    db.session.rollback()
    outcome = "UNKNOWN_TRANSFER"
    if payout_id is not None and transfer_id:
        try:
            fetched = transfer_gateway().get_transfer(transfer_id)
        except GatewayUnavailableError:
            return "retry"
        except GatewayError:
            fetched = None
        if fetched is not None and fetched.reference == reference:
            outcome = apply_transfer(payout_id, fetched)
    begin_write()
    event = db.session.get(WebhookEvent, event_id)
    assert event is not None
    if event.processed_at is None:
        event.processed_at = clock.now()
        event.outcome = outcome
    db.session.commit()
    return outcome
