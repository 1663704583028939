"""RQ job functions live here: each takes ids, reloads what it needs and calls one service.

The jobs themselves (seat expiry, refunds, reconciliation, settlements, notifications) arrive with
the features that need them; see SPEC §8.
"""
