"""POST /v1/readouts and GET /v1/readouts/{id}: from a press-service text to a stored, evidenced event.

The readouts here are written for these tests (no published text is copied into the repo).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

ASTANA_READOUT = """Source: Press Service of the President of Kazakhstan

12 March 2021

President of Kazakhstan Kassym-Jomart Tokayev held a telephone conversation with President of the French \
Republic Emmanuel Macron. The conversation took place at the initiative of the French side and lasted about \
forty minutes.

The leaders discussed trade and economic cooperation, energy projects and the situation in Afghanistan. \
The sides agreed to continue contacts at the highest level.
"""

PARIS_READOUT = """12 March 2021

President Emmanuel Macron spoke by telephone today with President Kassym-Jomart Tokayev of Kazakhstan. \
The call was held at the request of the Kazakh side. The two presidents discussed energy cooperation and the \
situation in Afghanistan.
"""

NO_CONTACT = "The weather in the capital was mild this week, and the museums reopened to visitors."


def post_text(client, auth, text, **params):  # noqa: ANN001, ANN201
    return client.post("/v1/readouts", content=text.encode("utf-8"), params=params,
                       headers={**auth, "Content-Type": "text/plain"})


def assert_evidence_indexes_the_text(extraction: dict, text: str) -> None:
    for name, field in extraction.items():
        if isinstance(field, dict):
            for span in field.get("evidence", []):
                assert text[span["start"]:span["end"]] == span["text"], name


class TestIngestReadout:
    def test_plain_text_readout_becomes_an_evidenced_event(self, client, auth):
        response = post_text(client, auth, ASTANA_READOUT)
        assert response.status_code == 201, response.text
        body = response.json()
        event, readout, extraction = body["event"], body["readout"], body["extraction"]
        assert event["kind"] == "phone_call"
        assert event["date"] == "2021-03-12"
        assert {p["country"] for p in event["participants"]} == {"KZ", "FR"}
        assert event["initiator"] == "FR"
        assert event["duration_minutes"] == 40
        assert event["duration_approximate"] is True
        assert readout["publisher"] == "Press Service of the President of Kazakhstan"
        assert readout["text"] == ASTANA_READOUT
        assert readout["event_id"] == event["id"]
        assert extraction["extractor_version"]
        assert extraction["date"]["evidence"] and 0 <= extraction["date"]["confidence"] <= 1
        assert_evidence_indexes_the_text(extraction, ASTANA_READOUT)
        stored = client.get(f"/v1/readouts/{readout['id']}").json()
        assert stored["extraction"] == extraction
        assert client.get(f"/v1/events/{event['id']}").json()["sources"][0]["readout_id"] == readout["id"]

    def test_json_body_with_metadata(self, client, auth):
        response = client.post("/v1/readouts", headers=auth, json={
            "text": ASTANA_READOUT, "publisher": "Akorda", "url": "https://example.org/readout",
            "published_at": "2021-03-12"})
        assert response.status_code == 201
        assert response.json()["readout"]["publisher"] == "Akorda"
        assert response.json()["event"]["sources"][0]["url"] == "https://example.org/readout"

    def test_the_same_text_again_answers_the_stored_records(self, client, auth):
        first = post_text(client, auth, ASTANA_READOUT).json()
        reflowed = "  " + ASTANA_READOUT.replace("\n\n", "\n").replace(" ", "  ") + "\n\n"
        again = post_text(client, auth, reflowed)
        assert again.status_code == 200
        assert again.json()["readout"]["id"] == first["readout"]["id"]
        assert again.json()["event"]["id"] == first["event"]["id"]
        assert len(client.get("/v1/events").json()["data"]) == 1

    @pytest.mark.parametrize("space", ["\t", "\r\n", "\u00a0", "\u2003", "\u2028", " \u3000 ", "\x1f"])
    def test_any_white_space_between_words_is_the_same_text(self, client, auth, space):
        single_breaks = ASTANA_READOUT.replace("\n\n", "\n")  # words between single spaces or line feeds
        first = post_text(client, auth, single_breaks).json()
        respaced = single_breaks.replace("French side", f"French{space}side").replace("\n", f"\n{space}")
        for text in (respaced, ASTANA_READOUT, f"{space}{single_breaks}{space}"):
            again = post_text(client, auth, text)
            assert again.status_code == 200
            assert again.json()["readout"]["id"] == first["readout"]["id"]

    def test_words_run_together_are_another_text(self, client, auth):
        first = post_text(client, auth, ASTANA_READOUT).json()
        again = post_text(client, auth, ASTANA_READOUT.replace("French side", "Frenchside"))
        assert again.json()["readout"]["id"] != first["readout"]["id"]

    def test_the_other_sides_readout_joins_the_event_and_disagreements_are_recorded(self, client, auth):
        astana = post_text(client, auth, ASTANA_READOUT).json()
        paris = post_text(client, auth, PARIS_READOUT, publisher="Élysée")
        assert paris.status_code == 201, paris.text
        event = paris.json()["event"]
        assert event["id"] == astana["event"]["id"]
        assert [s["publisher"] for s in event["sources"]] == ["Press Service of the President of Kazakhstan", "Élysée"]
        initiator = next(d for d in event["discrepancies"] if d["field"] == "initiator")
        assert {v["value"] for v in initiator["values"]} == {"FR", "KZ"}
        assert len(client.get("/v1/events").json()["data"]) == 1
        history = client.get(f"/v1/events/{event['id']}/history").json()["data"]
        assert [entry["action"] for entry in history] == ["create", "merge"]

    def test_dry_run_extracts_and_stores_nothing(self, client, auth):
        response = post_text(client, auth, ASTANA_READOUT, dry_run="true")
        assert response.status_code == 200
        assert response.json()["readout"]["id"] is None
        assert response.json()["event"]["initiator"] == "FR"
        assert client.get("/v1/events").json()["data"] == []
        assert post_text(client, auth, ASTANA_READOUT).status_code == 201

    def test_a_text_without_a_contact_is_refused_naming_what_is_missing(self, client, auth):
        response = post_text(client, auth, NO_CONTACT)
        assert response.status_code == 422
        assert {"date", "participants"} <= {e["field"] for e in response.json()["errors"]}
        assert client.get("/v1/events").json()["data"] == []

    def test_overrides_supply_what_the_text_lacks_and_are_marked_as_the_analysts(self, client, auth):
        response = client.post("/v1/readouts", headers=auth, json={"text": NO_CONTACT, "overrides": {
            "kind": "meeting", "date": "2021-05-04",
            "participants": [{"name": "Kassym-Jomart Tokayev", "title": "President", "country": "KZ"}]}})
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["event"]["date"] == "2021-05-04"
        assert body["event"]["kind"] == "meeting"
        assert body["extraction"]["date"]["source"] == "analyst"

    def test_overrides_win_over_extracted_values(self, client, auth):
        response = client.post("/v1/readouts", headers=auth, json={"text": ASTANA_READOUT,
                                                                   "overrides": {"duration_minutes": 45}})
        assert response.json()["event"]["duration_minutes"] == 45
        assert response.json()["event"]["initiator"] == "FR"

    @pytest.mark.parametrize(
        ("content", "content_type", "status"),
        [
            (b"", "text/plain", 422),
            (b"   \n  ", "text/plain", 422),
            (b"\xff\xfe\x00bad", "text/plain", 422),
            ("Leaders spoke \x00 today".encode(), "text/plain", 422),
            (b'{"text": "a\\u0000b"}', "application/json", 422),
            (b'{"txt": "hello"}', "application/json", 422),
            (b"<readout/>", "application/xml", 415),
        ],
    )
    def test_bad_bodies_get_a_problem_and_store_nothing(self, client, auth, content, content_type, status):
        response = client.post("/v1/readouts", content=content, headers={**auth, "Content-Type": content_type})
        assert response.status_code == status
        assert response.headers["content-type"].startswith("application/problem+json")
        assert client.get("/v1/events").json()["data"] == []

    def test_writes_need_a_key(self, client, read_key):
        assert post_text(client, {}, ASTANA_READOUT).status_code == 401
        assert post_text(client, {"Authorization": f"Bearer {read_key}"}, ASTANA_READOUT).status_code == 403

    def test_concurrent_posts_of_one_readout_store_it_once(self, client, auth):
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = sorted(pool.map(lambda _: post_text(client, auth, ASTANA_READOUT).status_code, range(12)))
        assert statuses.count(201) == 1 and statuses.count(200) == 11
        events = client.get("/v1/events").json()["data"]
        assert len(events) == 1 and len(events[0]["sources"]) == 1


class TestReadReadout:
    def test_a_deleted_events_readout_stays_retrievable(self, client, auth):
        body = post_text(client, auth, ASTANA_READOUT).json()
        assert client.delete(f"/v1/events/{body['event']['id']}", headers=auth).status_code == 204
        readout = client.get(f"/v1/readouts/{body['readout']['id']}").json()
        assert readout["text"] == ASTANA_READOUT and readout["event_id"] is None

    @pytest.mark.parametrize("readout_id", ["424242", "x", "-3"])
    def test_unknown_readout_is_404(self, client, readout_id):
        assert client.get(f"/v1/readouts/{readout_id}").status_code == 404


class TestMergeFillsGaps:
    SILENT = """12 March 2021

President of Kazakhstan Kassym-Jomart Tokayev held a telephone conversation with President of the French \
Republic Emmanuel Macron. The leaders discussed energy projects.
"""

    def test_an_initiator_only_the_second_source_states_is_filled_and_filterable(self, client, auth):
        first = post_text(client, auth, self.SILENT, publisher="Akorda").json()["event"]
        assert first["initiator"] is None
        merged = post_text(client, auth, ASTANA_READOUT).json()["event"]
        assert merged["id"] == first["id"] and merged["initiator"] == "FR"
        found = client.get("/v1/events", params={"country": "FR", "country_role": "initiator"}).json()["data"]
        assert [e["id"] for e in found] == [first["id"]]
