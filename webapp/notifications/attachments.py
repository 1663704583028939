"""Files attached to outbox messages, drawn when the message is sent rather than stored.

A message names its attachments (`Notification.attachments`); the feature that knows how to
draw one registers a function for its name at app start (`create_app`), so the outbox needs
no import of the features above it. Drawn at sending time, a ticket shows the booking as it is
then, and the outbox table holds no file bodies.
"""

from collections.abc import Callable
from dataclasses import dataclass

from webapp.notifications.models import Notification

TICKET_PDF = "ticket-pdf"


@dataclass(frozen=True)
class Attachment:
    filename: str
    maintype: str
    subtype: str
    content: bytes


# None: nothing to attach any more (a ticket whose booking was cancelled before the e-mail went).
Drawer = Callable[[Notification], Attachment | None]

DRAWERS: dict[str, Drawer] = {}


def draw(notification: Notification) -> list[Attachment]:
    """The message's attachments; a name nobody registered is a programming error."""
    drawn = (DRAWERS[name](notification) for name in notification.attachments or ())
    return [attachment for attachment in drawn if attachment is not None]
