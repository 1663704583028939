"""What can go wrong when holding seats, each with its own code for the API."""

from webapp.errors import ConflictError


class SeatsUnavailableError(ConflictError):
    code = "SEATS_UNAVAILABLE"

    def __init__(self, labels: list[str]) -> None:
        seats = ", ".join(labels)
        super().__init__(
            f"Sorry, seat{'s' if len(labels) > 1 else ''} {seats} "
            f"{'were' if len(labels) > 1 else 'was'} just taken. Please choose again.",
            details={"seatNumbers": labels},
        )


class SalesClosedError(ConflictError):
    code = "SALES_CLOSED"


class HoldLimitError(ConflictError):
    code = "HOLD_LIMIT_REACHED"


class HoldNotActiveError(ConflictError):
    code = "HOLD_NOT_ACTIVE"
