"""Cancellation policies: refund tiers by how long before departure the passenger cancels."""

from typing import Any

from webapp.errors import ValidationError

# SPEC §6: 48 h or more → 90% of the fare; 12–48 h → 50%; under 12 h → nothing.
DEFAULT_POLICY: list[dict[str, int]] = [
    {"min_hours_before": 48, "refund_bps": 9000},
    {"min_hours_before": 12, "refund_bps": 5000},
    {"min_hours_before": 0, "refund_bps": 0},
]


def validate_policy(tiers: Any) -> list[dict[str, int]]:
    """Tiers sorted from the earliest cancellation; must end with a tier at 0 hours."""
    if not isinstance(tiers, list) or not tiers:
        raise ValidationError("A cancellation policy needs at least one tier.")
    clean = []
    for tier in tiers:
        if not isinstance(tier, dict):
            raise ValidationError("Each tier needs min_hours_before and refund_bps.")
        hours, bps = tier.get("min_hours_before"), tier.get("refund_bps")
        if not isinstance(hours, int) or not isinstance(bps, int) or isinstance(hours, bool):
            raise ValidationError("Tier values must be whole numbers.")
        if hours < 0 or not 0 <= bps <= 10000:
            raise ValidationError("Hours must be ≥ 0 and refunds between 0 and 10000 bps.")
        clean.append({"min_hours_before": hours, "refund_bps": bps})
    clean.sort(key=lambda tier: tier["min_hours_before"], reverse=True)
    hours_seen = [tier["min_hours_before"] for tier in clean]
    if len(set(hours_seen)) != len(hours_seen) or hours_seen[-1] != 0:
        raise ValidationError("Tiers need distinct hours and a last tier at 0 hours.")
    return clean
