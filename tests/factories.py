"""Small builders for test data, through the public HTTP interface."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def event_body(**overrides: Any) -> dict[str, Any]:
    """A valid Event-create body: a call between two presidents, changed by `overrides`."""
    body: dict[str, Any] = {
        "kind": "phone_call",
        "date": "2020-10-24",
        "duration_minutes": 30,
        "duration_approximate": True,
        "initiator": "US",
        "participants": [
            {"name": "Aleksandr Lukashenko", "title": "President", "country": "BY"},
            {"name": "Michael Pompeo", "title": "Secretary of State", "country": "US"},
        ],
        "topics": ["sovereignty", "security-defense"],
        "mentioned_countries": ["RU", "PL"],
        "organizations": ["CSTO"],
        "summary": "The two discussed the international situation.",
    }
    body.update(overrides)
    return body


def make_event(client: TestClient, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/events", json=event_body(**overrides), headers=auth)
    assert response.status_code == 201, response.text
    return response.json()
