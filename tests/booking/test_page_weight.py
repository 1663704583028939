"""SPEC §9: the seat-map page with its own CSS and JS stays under 40 KB before compression."""

from flask.testing import FlaskClient

from tests.factories import PASSWORD, create_layout, create_trip, create_user
from tests.helpers import log_in, page
from webapp.demo.data import LAYOUTS

BUDGET_BYTES = 40 * 1024


def test_biggest_seat_map_page_is_within_budget(client: FlaskClient) -> None:
    biggest = LAYOUTS["Double-decker (58)"]
    trip = create_trip(layout=create_layout(biggest["decks"], name="Budget decker"))
    user = create_user()
    log_in(client, user.email, PASSWORD)

    response = client.get(f"/trips/{trip.id}")
    doc = page(response)
    assets = [link["href"] for link in doc.find_all("link", rel="stylesheet")]
    assets += [script["src"] for script in doc.find_all("script") if "htmx" not in script["src"]]
    sizes = {url: len(client.get(url).get_data()) for url in assets}
    total = len(response.get_data()) + sum(sizes.values())

    assert len(doc.select("#seat-map button.seat")) == 58
    print(f"seat-map page weight: {total} bytes (page {len(response.get_data())}, {sizes})")
    assert total < BUDGET_BYTES, f"{total} bytes: page {len(response.get_data())}, {sizes}"
