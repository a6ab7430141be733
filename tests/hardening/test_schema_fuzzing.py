"""Schema fuzzing: every operation of the app's own /openapi.json, driven by schemathesis in-process.

Each operation gets generated requests, valid and invalid (schemathesis' positive and negative
modes, its explicit-example and coverage phases included), and every response is held to the
documented contract by schemathesis' default checks: no 5xx, only documented status codes and
content types, bodies and headers that match their schemas, invalid data refused, undocumented
methods answered 405 with a true Allow header, writes refused without their key. Writes carry a
write key (made with the app's key service).
The database holds a few events (with readouts and people), and generated path parameters are
mixed with their real ids, so that reads by id answer real documents and not only 404s.

Bounded for CI: READOUT_FUZZ_EXAMPLES examples per operation (default 50), derandomized, and no
example database is written. `READOUT_FUZZ_EXAMPLES=1000 pytest tests/hardening/test_schema_fuzzing.py`
runs a longer campaign.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from factories import emptied_with_writer, event_body, shared_world
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from app.core.config import Settings
from app.main import create_app

EXAMPLES = int(os.environ.get("READOUT_FUZZ_EXAMPLES", "50"))

# Schemathesis' default checks, with two changes for this contract:
# - `positive_data_acceptance` is off: it expects every schema-valid request to succeed, but the
#   contract's values are checked against reference data that a JSON Schema cannot carry (country
#   "alpha-2, alpha-3 or English name", people by id, a participant needing a name or a title and a
#   country) and cursors are opaque: a documented 400/422 is the right answer to a well-formed unknown.
# - `negative_data_rejection` also accepts 413: an invalid body that is too large (a readout text over
#   its maxLength cannot fit under the body limit) is refused before it is parsed.
CONFIG = schemathesis.Config.from_dict({"checks": {
    "positive_data_acceptance": {"enabled": False},
    "negative_data_rejection": {"expected-statuses": [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429,
                                                      "5xx"]},
}})

SEED_TEXT = ("Minsk, 24 October 2020\n\nBelarus President Aleksandr Lukashenko and U.S. Secretary of State "
             "Michael Pompeo had a telephone conversation on 24 October. They discussed the situation in the "
             "world, sovereignty and security in the region.")


def _seed(client: Any, auth: dict[str, str]) -> dict[str, list[str]]:
    """A few events, with a readout and people each: the ids that generated requests may hit."""
    ids: dict[str, list[str]] = {"event_id": [], "readout_id": [], "person_id": []}
    bodies = [
        event_body(sources=[{"publisher": "President of the Republic of Belarus", "published_at": "2020-10-24",
                             "text": SEED_TEXT}]),
        event_body(date="2021-03-02", kind="meeting", initiator="DE",
                   participants=[{"name": "Olaf Scholz", "title": "Chancellor", "country": "DE"},
                                 {"name": "Emmanuel Macron", "title": "President", "country": "FR"}],
                   sources=[{"publisher": "Elysée", "text": "Президент Макрон встретился с Олафом Шольцем. 🙂"}]),
        event_body(date="2019-07-14", topics=["trade-economy"], mentioned_countries=["CN"], organizations=["EU"]),
    ]
    for body in bodies:
        response = client.post("/v1/events", json=body, headers=auth)
        assert response.status_code == 201, response.text
        event = response.json()
        ids["event_id"].append(event["id"])
        ids["readout_id"] += [s["readout_id"] for s in event["sources"]]
        ids["person_id"] += [p["person_id"] for p in event["participants"] if p["person_id"]]
    response = client.post("/v1/readouts", content=SEED_TEXT.replace("24 October", "25 October"),
                           headers={**auth, "Content-Type": "text/plain"})
    assert response.status_code == 201, response.text
    ids["readout_id"].append(response.json()["readout"]["id"])
    return ids


@pytest.fixture(scope="module")
def fuzz_world(migrated_database_url: str) -> Iterator[dict[str, Any]]:
    with shared_world(migrated_database_url) as world:
        auth = emptied_with_writer(world["database"])
        world["auth"] = auth
        KNOWN_IDS.update(_seed(world["client"], auth))
        yield world


# The schema is read at import, from an app like the tested one but on no database (the tested one's
# database is made by a fixture); requests go to the tested app (`app=` below).
_SCHEMA_APP = create_app(Settings(database_url="sqlite:////nonexistent-readout-dir/never-opened.db"))
schema = schemathesis.openapi.from_asgi("/openapi.json", _SCHEMA_APP, config=CONFIG)
# NDJSON (POST /v1/events/bulk) is text on the wire: generated strings are sent as they are.
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


@schema.hook
def filter_case(context: schemathesis.HookContext, case: schemathesis.Case) -> bool:
    """No non-string bodies for NDJSON. Schemathesis' negative mode generates them against `type: string`,
    but on the wire they are text, which is all an NDJSON body is, and the server rightly reads them
    line by line (schemathesis allows for this with text/plain, not with application/x-ndjson)."""
    return not (case.media_type == "application/x-ndjson" and not isinstance(case.body, str | bytes))


# Ids of the stored documents, filled by the `fuzz_world` fixture before any case is generated.
KNOWN_IDS: dict[str, list[str]] = {}


@schema.hook
def before_generate_path_parameters(context: schemathesis.HookContext, strategy: Any) -> Any:
    """Generated ids, and half of the time the id of a stored document."""
    names = [p.name for p in context.operation.path_parameters]
    if not names or not all(name in KNOWN_IDS for name in names):
        return strategy
    real = st.fixed_dictionaries({name: st.sampled_from(KNOWN_IDS[name]) for name in names})
    return st.one_of(real, strategy)


@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_contract(case: schemathesis.Case, fuzz_world: dict[str, Any]) -> None:
    case.call_and_validate(app=fuzz_world["client"].app, headers=fuzz_world["auth"])


def test_bulk_is_a_resource_of_its_own_not_an_event_id(fuzz_world: dict[str, Any]) -> None:
    """Found by the fuzzing: `/v1/events/bulk` was also matched as `/v1/events/{event_id}`, so its 405s
    advertised GET, PATCH and DELETE, which answered "no such event"."""
    client = fuzz_world["client"]
    for method in ("GET", "PATCH", "DELETE", "PUT", "OPTIONS"):
        response = client.request(method, "/v1/events/bulk", headers=fuzz_world["auth"])
        assert response.status_code == 405 and response.headers["allow"] == "POST", (method, response.text)
    assert client.get("/v1/events/bulk/history").status_code == 404
