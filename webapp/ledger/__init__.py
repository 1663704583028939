"""The double-entry ledger (SPEC §7): append-only journals of entries that sum to zero.

`posting.post_journal` is the one function that writes it; `events` maps each money event
(payment verified, refund completed, payout sent or failed) to one journal. See docs/money.md.
"""
