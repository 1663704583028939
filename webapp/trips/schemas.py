"""Requests and answers of the trip search endpoint (SPEC §10)."""

from pydantic import ConfigDict, Field

from webapp.api.schemas import ApiModel, Kobo, enum_names, text
from webapp.trips.models import TripStatus
from webapp.trips.search import ISO_DATE

DATE_TIME = {"format": "date-time"}

City = text(max_length=80, description="a city's slug or name, any case")


# Only the boundary is checked here; `parse_search` (shared with the search form) then reports
# every missing or unknown city and bad date at once, as the document states.
class TripSearchQuery(ApiModel):
    model_config = ConfigDict(json_schema_extra={"required": ["origin", "destination"]})

    origin: City | None = Field(None, examples=["lagos"])
    destination: City | None = Field(None, examples=["abuja"])
    date: (
        text(
            max_length=10,
            json_schema_extra={"pattern": ISO_DATE.pattern},
            description="the Lagos calendar day, from today to SEARCH_MAX_DAYS_AHEAD days ahead; "
            "today when left out",
        )
        | None
    ) = None


class TripSummary(ApiModel):
    tripId: int
    operator: str
    origin: str
    destination: str
    departsAt: str = Field(json_schema_extra=DATE_TIME, description="Lagos time")
    arrivesAt: str = Field(json_schema_extra=DATE_TIME)
    durationMinutes: int
    fareAmount: Kobo = Field(description="per seat, in kobo")
    currency: str
    seatsLeft: int
    seatsTotal: int
    boardingPoint: str
    bus: str
    status: enum_names(TripStatus)
    onSale: bool


class TripList(ApiModel):
    origin: str = Field(description="the city's name")
    destination: str
    date: str = Field(json_schema_extra={"format": "date"})
    trips: list[TripSummary]
