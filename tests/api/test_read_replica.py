"""READ_DATABASE_URL: queries go to a (replica) database of their own; writes to DATABASE_URL."""

from __future__ import annotations

from factories import make_event
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app


def test_reads_use_the_read_database(settings, auth):
    app = create_app(Settings(database_url=settings.database_url, read_database_url=settings.database_url))
    database = app.state.database
    assert database.read_engine is not database.write_engine
    with TestClient(app) as client:
        event = make_event(client, auth)
        assert client.get(f"/v1/events/{event['id']}").json()["id"] == event["id"]
        assert client.get("/readyz").status_code == 200


def test_an_unreachable_read_database_fails_reads_not_writes(settings, auth, tmp_path):
    app = create_app(Settings(database_url=settings.database_url,
                              read_database_url=f"sqlite:///{tmp_path}/missing/replica.db"))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/v1/events").status_code == 503
        assert client.get("/readyz").status_code == 503
        created = client.post("/v1/events", headers=auth, json={
            "kind": "meeting", "date": "2020-01-01", "participants": [{"name": "A B", "country": "FR"}]})
        assert created.status_code == 201
