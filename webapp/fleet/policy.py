"""Cancellation policies: refund tiers by how long before departure the passenger cancels."""

# SPEC §6: 48 h or more → 90% of the fare; 12–48 h → 50%; under 12 h → nothing.
DEFAULT_POLICY: list[dict[str, int]] = [
    {"min_hours_before": 48, "refund_bps": 9000},
    {"min_hours_before": 12, "refund_bps": 5000},
    {"min_hours_before": 0, "refund_bps": 0},
]
