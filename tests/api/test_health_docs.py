"""/healthz, /readyz, and the documentation pages, which must work with no internet access."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

# Every (method, path) of the contract's endpoint table.
CONTRACT = [
    ("post", "/v1/readouts"), ("get", "/v1/readouts/{}"),
    ("post", "/v1/events"), ("post", "/v1/events/bulk"), ("get", "/v1/events"),
    ("get", "/v1/events/{}"), ("patch", "/v1/events/{}"), ("delete", "/v1/events/{}"),
    ("get", "/v1/deletions"), ("get", "/v1/events/{}/history"),
    ("get", "/v1/people"), ("get", "/v1/people/{}"),
    ("get", "/v1/countries"), ("get", "/v1/topics"),
    ("get", "/v1/stats/timeline"), ("get", "/v1/stats/pairs"),
    ("get", "/healthz"), ("get", "/readyz"),
]


class TestLiveness:
    def test_healthz(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["status"] == "ok"


class TestReadiness:
    def test_ready_with_the_migrated_database(self, client):
        response = client.get("/readyz")
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ready"

    @staticmethod
    def _unready(url: str) -> Iterator[TestClient]:
        with TestClient(create_app(Settings(database_url=url, pool_timeout_seconds=2)),
                        raise_server_exceptions=False) as unready:
            yield unready

    @pytest.fixture(params=["sqlite-missing-directory", "postgresql-closed-port", "sqlite-not-migrated"])
    def unready(self, request, tmp_path: Path) -> Iterator[TestClient]:
        if request.param == "sqlite-missing-directory":
            url = f"sqlite:///{tmp_path / 'no' / 'such' / 'directory' / 'readout.db'}"
        elif request.param == "postgresql-closed-port":
            url = "postgresql+psycopg://postgres@127.0.0.1:1/readout"
        else:
            (tmp_path / "empty.db").touch()
            url = f"sqlite:///{tmp_path / 'empty.db'}"
        yield from self._unready(url)

    def test_unreachable_or_unmigrated_database_is_503_problem(self, unready):
        response = unready.get("/readyz")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["status"] == 503
        assert problem["title"] and problem["detail"] and problem["type"]

    def test_liveness_does_not_depend_on_the_database(self, unready):
        assert unready.get("/healthz").status_code == 200

    def test_a_data_request_without_a_database_is_a_problem_not_a_crash(self, unready):
        response = unready.get("/v1/events")
        assert response.status_code in {500, 503}
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "Traceback" not in response.text
        assert "127.0.0.1:1" not in response.text


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href", "spec-url"} and value:
                self.urls.append(value)


class TestDocs:
    @pytest.mark.parametrize("page", ["/docs", "/redoc"])
    def test_pages_use_only_same_origin_assets_and_those_are_served(self, client, page):
        response = client.get(page)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert not re.search(r"https?://|(src|href)\s*=\s*[\"']//", html, re.IGNORECASE), \
            re.findall(r"[^\s\"']*https?://[^\s\"']*", html)
        parser = _Assets()
        parser.feed(html)
        scripts = [url for url in parser.urls if url.endswith(".js")]
        assert scripts, "the page loads its script"
        for url in parser.urls:
            assert url.startswith("/"), url
            asset = client.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 0
            if url.endswith(".js"):
                assert "javascript" in asset.headers["content-type"]
            if url.endswith(".css"):
                assert asset.headers["content-type"].startswith("text/css")
        # The page finds the API description on the same origin too.
        assert "/openapi.json" in html

    def test_root_leads_to_the_docs(self, client):
        response = client.get("/", follow_redirects=False)
        assert response.status_code in {301, 302, 307, 308}
        assert response.headers["location"].endswith("/docs")


class TestOpenApi:
    def test_every_contract_path_is_described(self, client):
        response = client.get("/openapi.json")
        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        described = {(method, re.sub(r"\{[^}]+\}", "{}", path))
                     for path, operations in schema["paths"].items() for method in operations}
        missing = [entry for entry in CONTRACT if entry not in described]
        assert not missing

    def test_operations_have_summaries_and_unique_ids(self, client):
        schema = client.get("/openapi.json").json()
        operations = [op for ops in schema["paths"].values() for op in ops.values()]
        ids = [op["operationId"] for op in operations]
        assert len(ids) == len(set(ids))
        assert all(op.get("summary") for op in operations)

    def test_the_event_filters_are_documented(self, client):
        schema = client.get("/openapi.json").json()
        names = {p["name"] for p in schema["paths"]["/v1/events"]["get"]["parameters"]}
        assert {"country", "country_role", "person", "person_id", "topic", "kind", "initiator", "date_from",
                "date_to", "q", "updated_since", "sort", "limit", "cursor"} <= names
