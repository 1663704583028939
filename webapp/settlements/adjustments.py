"""Adjustments: an admin's correction of what an operator is owed (SPEC §7: corrections are new
journals). Positive: the operator is owed more; negative: less. It is dated when it is made, so
it lands in the statement of the month it is made in (or the next open one), never a frozen one.
"""

from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from webapp import clock
from webapp.audit import services as audit
from webapp.database import begin_write
from webapp.errors import NotFoundError, ValidationError
from webapp.extensions import db
from webapp.fleet.models import Operator
from webapp.ledger.models import Account, JournalKind, Line, operator_account
from webapp.ledger.posting import Posting, post_journal
from webapp.settlements.models import Adjustment

LIMIT_KOBO = 100_000_000_000  # ₦1 billion either way: anything larger is a typing mistake


def parse_naira(text: str) -> int:
    """ "1234.50" or "-20" naira → kobo; at most two decimals, never zero."""
    try:
        value = Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise ValidationError(
            "Give the amount in naira, like 1500.00 or -250.50.",
            details={"amount": "Give the amount in naira, like 1500.00 or -250.50."},
        )
    kobo = int(value * 100)
    if kobo == 0 or abs(kobo) > LIMIT_KOBO:
        raise ValidationError(
            "The amount must be non-zero and under ₦1,000,000,000.",
            details={"amount": "The amount must be non-zero and under ₦1,000,000,000."},
        )
    return kobo


def adjust(operator_slug: str, amount: int, reason: str, admin_user_id: int) -> Adjustment:
    """Record the adjustment and its journal in one transaction, under the operator's lock."""
    reason = " ".join((reason or "").split())[:200]
    if len(reason) < 5:
        raise ValidationError(
            "Say why (at least 5 characters).", details={"reason": "Say why (5 characters)."}
        )
    begin_write()
    operator = db.session.scalar(
        select(Operator).where(Operator.slug == operator_slug).with_for_update()
    )
    if operator is None:
        raise NotFoundError(f"No operator has the slug {operator_slug!r}.")
    now = clock.now()
    adjustment = Adjustment(
        operator_id=operator.id,
        amount=amount,
        currency="NGN",
        reason=reason,
        created_by_id=admin_user_id,
        created_at=now,
    )
    db.session.add(adjustment)
    db.session.flush()
    post_journal(
        JournalKind.ADJUSTMENT,
        adjustment.id,
        [
            Posting(operator_account(operator.id), -amount, "NGN", Line.ADJUSTMENT),
            Posting(Account.ADJUSTMENTS, amount, "NGN"),
        ],
        effective_at=now,
        memo=f"adjustment: {reason}"[:200],
    )
    audit.record(
        "settlement.adjustment",
        "operator",
        operator.id,
        actor_user_id=admin_user_id,
        adjustment_id=adjustment.id,
        amount=amount,
        reason=reason,
    )
    db.session.commit()
    return adjustment
