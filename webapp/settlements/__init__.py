"""Monthly operator settlements (statements that roll forward) and their payouts."""
