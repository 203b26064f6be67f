"""The typed messages of the desk: where to go, and what a service call answered.

Navigation messages are posted by any screen and handled by the app, which switches
mode and calls the target screen's typed method (``QueueScreen.open_escalation``,
``QueueScreen.show_filters``, ``StopPaymentScreen.prefill``): screens never reach into
one another. Result messages carry the service's own result object or its typed error
(a ``TpsError`` subclass), so a handler can tell a conflict from a refusal from a
field error without reading strings. The base screen shows every ``ActFailed``.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual.message import Message

from tpsdesk.domain.queue import Filters
from tpsdesk.errors import TpsError

T = TypeVar("T")


class OpenEscalation(Message):
    """Show this escalation's detail on the queue (palette, overdue lookup, calendar)."""

    def __init__(self, escalation_id: int) -> None:
        super().__init__()
        self.escalation_id = escalation_id


class OpenStopPayment(Message):
    """Open the stop-payment DOC builder with the CRN carried over, linked to the contact
    that asked for it (I2.7)."""

    def __init__(self, crn: str = "", contact_id: int | None = None) -> None:
        super().__init__()
        self.crn = crn
        self.contact_id = contact_id


class ShowQueue(Message):
    """Show the queue with these filters (the dashboard's drill-down)."""

    def __init__(self, filters: Filters) -> None:
        super().__init__()
        self.filters = filters


class ShowScreen(Message):
    """Switch to a screen by its mode name."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class Acted(Message, Generic[T]):
    """A service call answered: ``act`` names the request, ``result`` is what the service
    returned, ``about`` the id the request was made for (an escalation or a contact)."""

    def __init__(self, act: str, result: T, about: int | None = None, generation: int = 0) -> None:
        super().__init__()
        self.act = act
        self.result = result
        self.about = about
        self.generation = generation


class ActFailed(Message):
    """A service call was refused or failed with a typed error (refusal, conflict, field
    error, environment fault); the typed text it was given is kept by whoever asked."""

    def __init__(self, act: str, error: TpsError, about: int | None = None, generation: int = 0) -> None:
        super().__init__()
        self.act = act
        self.error = error
        self.about = about
        self.generation = generation
