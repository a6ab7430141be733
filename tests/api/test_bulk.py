"""POST /v1/events/bulk: NDJSON in, a summary out; good lines stored whatever the bad ones do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from factories import event_body, make_event
from fastapi.testclient import TestClient

from app.main import create_app

NDJSON = {"Content-Type": "application/x-ndjson"}


def _line(**overrides: Any) -> str:
    return json.dumps(event_body(**overrides), ensure_ascii=False)


def bulk(client, auth, body: str | bytes):  # noqa: ANN001, ANN201
    response = client.post("/v1/events/bulk", content=body, headers={**auth, **NDJSON})
    assert response.status_code == 200, response.text
    return response.json()


def stored(client) -> list[dict[str, Any]]:  # noqa: ANN001
    return client.get("/v1/events", params={"limit": 500}).json()["data"]


def _counts(result: dict[str, Any]) -> tuple[int, int, int, int]:
    return result["received"], result["created"], result["duplicates"], result["refused"]


class TestBulkSummary:
    def test_mixed_lines(self, client, auth):
        lines = [
            _line(date="2020-01-01"),                      # 1 created
            '{"kind": "phone_call", "date": ',               # 2 bad JSON
            "",                                              # 3 blank: skipped
            _line(date="2020-01-02", kind="dinner"),         # 4 invalid field
            _line(date="2020-01-03"),                        # 5 created
            _line(date="2020-01-01"),                        # 6 the same as line 1
            "[1, 2, 3]",                                     # 7 not an object
            "   ",                                           # 8 blank: skipped
            _line(date="2020-01-04", participants=[{"name": "A B", "country": "Narnia"}]),  # 9 invalid
            _line(date="2020-01-05"),                        # 10 created
        ]
        result = bulk(client, auth, "\n".join(lines) + "\n")
        assert _counts(result) == (8, 3, 1, 4)
        assert [error["line"] for error in result["errors"]] == [2, 4, 7, 9]
        errors = {error["line"]: error for error in result["errors"]}
        assert all(error["detail"] for error in result["errors"])
        assert "kind" in [e["field"] for e in errors[4]["errors"]]
        assert "participants.0.country" in [e["field"] for e in errors[9]["errors"]]
        assert sorted(e["date"] for e in stored(client)) == ["2020-01-01", "2020-01-03", "2020-01-05"]
        assert sorted(result["created_ids"]) == sorted(e["id"] for e in stored(client))
        assert result["duplicate_ids"] == [e["id"] for e in stored(client) if e["date"] == "2020-01-01"]

    def test_all_good(self, client, auth):
        result = bulk(client, auth, "\n".join(_line(date=f"2021-01-{d:02d}") for d in range(1, 21)))
        assert _counts(result) == (20, 20, 0, 0)
        assert result["errors"] == []
        assert len(stored(client)) == 20

    def test_all_bad_stores_nothing(self, client, auth):
        result = bulk(client, auth, "nope\n{}\n" + _line(date="yesterday"))
        assert _counts(result) == (3, 0, 0, 3)
        assert [e["line"] for e in result["errors"]] == [1, 2, 3]
        assert stored(client) == []

    @pytest.mark.parametrize("body", ["", "\n", "\n\n  \n", "\r\n"])
    def test_empty_body(self, client, auth, body):
        assert _counts(bulk(client, auth, body)) == (0, 0, 0, 0)

    def test_crlf_line_endings(self, client, auth):
        result = bulk(client, auth, "\r\n".join([_line(date="2021-02-01"), "oops", _line(date="2021-02-02")]) + "\r\n")
        assert _counts(result) == (3, 2, 0, 1)
        assert [e["line"] for e in result["errors"]] == [2]

    def test_invalid_utf8_refuses_that_line_only(self, client, auth):
        body = b"\n".join([_line(date="2021-03-01").encode(), b'{"kind": "\xff\xfe"}', _line(date="2021-03-02").encode()])
        result = bulk(client, auth, body)
        assert _counts(result) == (3, 2, 0, 1)
        assert result["errors"][0]["line"] == 2

    def test_unicode_names_survive(self, client, auth):
        bulk(client, auth, _line(participants=[{"name": "Александр Лукашенко", "country": "BY"},
                                               {"name": "António Guterres", "country": "UN"}]))
        assert [p["name"] for p in stored(client)[0]["participants"]] == ["Александр Лукашенко", "António Guterres"]

    def test_a_line_refused_by_the_database_does_not_undo_its_neighbours(self, client, auth):
        # A person id that does not exist passes validation and fails only when the line is stored.
        result = bulk(client, auth, "\n".join([
            _line(date="2021-04-01"),
            _line(date="2021-04-02", participants=[{"person_id": "987654321"}, {"name": "Joe Biden", "country": "US"}]),
            _line(date="2021-04-03"),
        ]))
        assert _counts(result) == (3, 2, 0, 1)
        assert result["errors"][0]["line"] == 2
        assert sorted(e["date"] for e in stored(client)) == ["2021-04-01", "2021-04-03"]

    def test_lines_across_several_commit_batches(self, settings, database, auth):
        # A batch of 5 lines: refusals of every kind fall inside batches and between them.
        app = create_app(settings.model_copy(update={"bulk_batch_size": 5}))
        lines = [_line(date=f"2019-01-{d:02d}") for d in range(1, 29)]
        lines[6] = "not json"
        lines[12] = _line(kind="dinner")
        lines[19] = _line(participants=[{"person_id": "987654321"}])
        lines[24] = lines[23]
        with TestClient(app) as client:
            result = bulk(client, auth, "\n".join(lines))
            assert _counts(result) == (28, 24, 1, 3)
            assert [e["line"] for e in result["errors"]] == [7, 13, 20]
            dates = sorted(e["date"] for e in stored(client))
        assert len(dates) == 24
        assert "2019-01-07" not in dates and "2019-01-13" not in dates and "2019-01-20" not in dates


class TestBulkDuplicates:
    def test_same_line_twice_in_one_request(self, client, auth):
        result = bulk(client, auth, "\n".join([_line(), _line()]))
        assert _counts(result) == (2, 1, 1, 0)
        assert result["duplicate_ids"] == result["created_ids"]
        assert len(stored(client)) == 1

    def test_line_equal_to_a_stored_event(self, client, auth):
        event = make_event(client, auth)
        result = bulk(client, auth, _line())
        assert _counts(result) == (1, 0, 1, 0)
        assert result["duplicate_ids"] == [event["id"]]

    def test_same_event_with_other_spellings_and_order_is_a_duplicate(self, client, auth):
        event = make_event(client, auth)
        result = bulk(client, auth, _line(participants=[
            {"name": "Michael Pompeo", "title": "Secretary of State", "country": "USA"},
            {"name": "Alexander Lukashenko", "title": "President", "country": "Belarus"}]))
        assert result["duplicate_ids"] == [event["id"]]

    def test_loading_the_same_file_twice_adds_nothing(self, client, auth):
        body = "\n".join(_line(date=f"2021-05-{d:02d}") for d in range(1, 11))
        bulk(client, auth, body)
        before = stored(client)
        assert _counts(bulk(client, auth, body)) == (10, 0, 10, 0)
        assert stored(client) == before


class TestExportedLinesLoadBack:
    def _export(self, client) -> list[str]:  # noqa: ANN001
        response = client.get("/v1/events", params={"format": "ndjson"})
        assert response.status_code == 200
        return [line for line in response.text.splitlines() if line.strip()]

    def test_an_export_loads_into_the_same_database_as_duplicates(self, client, auth):
        make_event(client, auth, sources=[{"publisher": "Press", "url": "https://example.org/1",
                                           "published_at": "2020-10-24", "text": "They spoke."}])
        make_event(client, auth, date="2020-11-11", kind="visit")
        lines = self._export(client)
        assert all({"id", "codes", "created_at", "updated_at"} <= set(json.loads(line)) for line in lines)
        assert all(json.loads(line)["participants"][0]["person_id"] for line in lines)
        result = bulk(client, auth, "\n".join(lines))
        assert _counts(result) == (2, 0, 2, 0), result["errors"]

    def test_a_deleted_event_comes_back_from_its_export_line(self, client, auth):
        original = make_event(client, auth, sources=[{"publisher": "Press", "url": "https://example.org/1",
                                                      "published_at": "2020-10-24", "text": "They spoke."}])
        [line] = self._export(client)
        assert json.loads(line)["sources"][0]["readout_id"]
        assert client.delete(f"/v1/events/{original['id']}", headers=auth).status_code == 204
        result = bulk(client, auth, line)
        assert _counts(result) == (1, 1, 0, 0), result["errors"]
        [restored] = stored(client)
        assert restored["id"] != original["id"]
        same = ("kind", "date", "duration_minutes", "duration_approximate", "initiator", "topics",
                "mentioned_countries", "organizations", "summary", "codes")
        assert {k: restored[k] for k in same} == {k: original[k] for k in same}
        assert restored["participants"] == original["participants"]  # the same people, matched by name
        assert [(s["publisher"], s["url"]) for s in restored["sources"]] == [("Press", "https://example.org/1")]

    def test_an_export_loads_into_an_empty_database(self, client, auth, database):
        make_event(client, auth, initiator="United States", organizations=["NATO", "EU"])
        lines = self._export(client)
        original = stored(client)
        # Empty the data (keys included) and load the export back with a fresh key.
        from factories import DATA_TABLES  # noqa: PLC0415
        from sqlalchemy import text  # noqa: PLC0415

        with database.write_engine.begin() as connection:
            for table in DATA_TABLES:
                if table != "api_key":
                    connection.execute(text(f"DELETE FROM {table}"))
        result = bulk(client, auth, "\n".join(lines))
        assert _counts(result) == (1, 1, 0, 0), result["errors"]
        [restored] = stored(client)
        assert restored["organizations"] == original[0]["organizations"] == ["EU", "NATO"]
        assert [p["name"] for p in restored["participants"]] == [p["name"] for p in original[0]["participants"]]
