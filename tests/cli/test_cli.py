"""The command line, run through typer's CliRunner against the test database."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from factories import CORPUS_DIR, event_body, make_event
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import Settings, get_settings
from app.main import create_app

KEY = re.compile(r"^rdk_\S+$")


@pytest.fixture
def run(settings, database, monkeypatch) -> Iterator:  # noqa: ANN001
    """Run the CLI against the test database; answers the click Result."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str):  # noqa: ANN202
        get_settings.cache_clear()
        return runner.invoke(cli, list(args), catch_exceptions=False)

    yield invoke
    monkeypatch.delenv("DATABASE_URL")
    get_settings.cache_clear()


def _key_from(result) -> str:  # noqa: ANN001
    assert result.exit_code == 0, result.output
    lines = result.stdout.rstrip("\n").split("\n")
    key = lines[-1]
    assert KEY.match(key), result.stdout
    return key


def _events(client) -> list[dict[str, Any]]:  # noqa: ANN001
    return client.get("/v1/events", params={"limit": 500}).json()["data"]


def _write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class TestKeys:
    def test_create_prints_the_key_alone_on_the_last_line_and_it_writes(self, run, client):
        result = run("keys", "create", "--name", "ingest-bot")
        key = _key_from(result)
        assert result.stdout.count(key) == 1
        response = client.post("/v1/events", json=event_body(), headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 201
        history = client.get(f"/v1/events/{response.json()['id']}/history").json()["data"]
        assert history[0]["actor"] == "ingest-bot"

    def test_each_key_is_new(self, run):
        first = _key_from(run("keys", "create", "--name", "one"))
        second = _key_from(run("keys", "create", "--name", "two"))
        assert first != second

    def test_read_scope(self, run, client):
        key = _key_from(run("keys", "create", "--name", "dashboard", "--scope", "read"))
        headers = {"Authorization": f"Bearer {key}"}
        assert client.post("/v1/events", json=event_body(), headers=headers).status_code == 403
        assert client.get("/v1/events", headers=headers).status_code == 200

    def test_unknown_scope_is_refused(self, run):
        result = CliRunner().invoke(cli, ["keys", "create", "--name", "x", "--scope", "admin"])
        assert result.exit_code != 0
        assert not KEY.search(result.stdout or "")

    def test_list_shows_names_never_secrets(self, run):
        keys = [_key_from(run("keys", "create", "--name", name)) for name in ("alpha-key", "beta-key")]
        result = run("keys", "list")
        assert result.exit_code == 0, result.output
        everything = result.stdout + result.stderr
        assert "alpha-key" in everything and "beta-key" in everything
        for key in keys:
            assert key not in everything
            # rdk_<prefix>_<secret>: the secret may itself contain "_", so split at the first two only.
            assert key.split("_", 2)[2] not in everything

    def test_revoke(self, run, client):
        key = _key_from(run("keys", "create", "--name", "leaving"))
        other = _key_from(run("keys", "create", "--name", "staying"))
        result = run("keys", "revoke", "leaving")
        assert result.exit_code == 0, result.output
        assert client.post("/v1/events", json=event_body(), headers={"Authorization": f"Bearer {key}"}) \
            .status_code == 401
        assert client.post("/v1/events", json=event_body(), headers={"Authorization": f"Bearer {other}"}) \
            .status_code == 201
        assert "leaving" in run("keys", "list").stdout

    def test_revoke_unknown_name_fails(self, run):
        assert run("keys", "revoke", "nobody").exit_code != 0

    def test_duplicate_name_fails_and_the_first_key_keeps_working(self, run, client):
        key = _key_from(run("keys", "create", "--name", "twin"))
        again = run("keys", "create", "--name", "twin")
        assert again.exit_code != 0
        assert not re.search(r"rdk_\S+", again.stdout)
        assert client.post("/v1/events", json=event_body(), headers={"Authorization": f"Bearer {key}"}) \
            .status_code == 201


def _summary(output: str) -> dict[str, int]:
    """The numbers of the summary table, by column name (whatever the table's borders)."""
    lines = output.splitlines()
    for index, line in enumerate(lines):
        names = re.findall(r"[a-z]+", line.lower())
        if "refused" in names and "duplicates" in names:
            for row in lines[index + 1:]:
                numbers = [int(n) for n in re.findall(r"\d+", row)]
                if len(numbers) == len(names):
                    return dict(zip(names, numbers, strict=True))
    raise AssertionError(f"no summary in {output!r}")


class TestIngest:
    def test_ndjson_with_refused_lines(self, run, client, tmp_path):
        path = _write_lines(tmp_path / "events.ndjson", [
            json.dumps(event_body(date="2020-01-01")),
            json.dumps(event_body(date="2020-01-02")),
            '{"kind": "phone_call",',
            json.dumps(event_body(date="2020-01-04", kind="dinner")),
            "",
            json.dumps(event_body(date="2020-01-06")),
        ])
        result = run("ingest", str(path))
        output = result.stdout + result.stderr
        summary = _summary(output)
        assert summary["refused"] == 2
        assert summary["duplicates"] == 0
        assert summary.get("stored", summary.get("created")) == 3
        assert "events.ndjson:3" in output and "events.ndjson:4" in output
        assert sorted(e["date"] for e in _events(client)) == ["2020-01-01", "2020-01-02", "2020-01-06"]

        again = run("ingest", str(path))
        summary = _summary(again.stdout + again.stderr)
        assert summary["duplicates"] == 3
        assert summary.get("stored", summary.get("created")) == 0
        assert len(_events(client)) == 3

    def test_clean_file_exits_0_and_twice_adds_nothing(self, run, client, tmp_path):
        path = _write_lines(tmp_path / "clean.jsonl", [json.dumps(event_body(date=f"2021-06-{d:02d}"))
                                                       for d in range(1, 11)])
        first = run("ingest", str(path))
        assert first.exit_code == 0, first.output
        before = _events(client)
        assert len(before) == 10
        second = run("ingest", str(path))
        assert second.exit_code == 0, second.output
        assert _summary(second.stdout + second.stderr)["duplicates"] == 10
        assert _events(client) == before

    def test_a_folder_of_files(self, run, client, tmp_path):
        _write_lines(tmp_path / "a.ndjson", [json.dumps(event_body(date="2022-01-01"))])
        _write_lines(tmp_path / "b.ndjson", [json.dumps(event_body(date="2022-01-02"))])
        (tmp_path / "notes.md").write_text("not data")
        assert run("ingest", str(tmp_path)).exit_code == 0
        assert sorted(e["date"] for e in _events(client)) == ["2022-01-01", "2022-01-02"]

    def test_an_exported_file_loads_back(self, run, client, auth, tmp_path):
        make_event(client, auth, sources=[{"publisher": "Press", "text": "They talked.", "url": "https://e.org/1"}])
        exported = run("export", "--format", "ndjson")
        path = tmp_path / "export.ndjson"
        path.write_text(exported.stdout, encoding="utf-8")
        result = run("ingest", str(path))
        assert result.exit_code == 0, result.output
        assert _summary(result.stdout + result.stderr)["duplicates"] == 1

    def test_missing_file_fails(self, run, tmp_path):
        assert run("ingest", str(tmp_path / "missing.ndjson")).exit_code != 0

    @pytest.mark.skipif(not (CORPUS_DIR / "seed-readout.txt").exists(), reason="no corpus")
    def test_a_readout_text_file(self, run, client, tmp_path):
        path = tmp_path / "readout.txt"
        path.write_text((CORPUS_DIR / "seed-readout.txt").read_text(encoding="utf-8"), encoding="utf-8")
        result = run("ingest", str(path))
        assert result.exit_code == 0, result.output
        [event] = _events(client)
        assert {p["country"] for p in event["participants"]} >= {"BY", "US"}
        assert event["date"] == "2020-10-24"
        again = run("ingest", str(path))
        assert again.exit_code == 0
        assert _summary(again.stdout + again.stderr)["duplicates"] == 1
        assert len(_events(client)) == 1


@pytest.fixture
def dataset(client, auth) -> list[dict[str, Any]]:
    return [
        make_event(client, auth, date="2020-10-24"),
        make_event(client, auth, date="2021-01-05", kind="meeting", summary="=1+1",
                   participants=[{"name": "Vladimir Putin", "country": "RU"},
                                 {"name": "Alexander Lukashenko", "country": "BY"}]),
        make_event(client, auth, date="2021-03-01", kind="video_call",
                   participants=[{"name": "Joe Biden", "country": "US"}, {"name": "Angela Merkel", "country": "DE"}]),
    ]


class TestExport:
    def _api_ids(self, client, **params: str) -> list[str]:  # noqa: ANN001
        return [e["id"] for e in client.get("/v1/events", params={**params, "limit": 500}).json()["data"]]

    def test_csv_with_a_filter(self, run, client, dataset):
        result = run("export", "--format", "csv", "--country", "BY")
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert [row["id"] for row in rows] == self._api_ids(client, country="BY")
        assert len(rows) == 2
        assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())

    def test_ndjson_with_filters(self, run, client, dataset):
        result = run("export", "--format", "ndjson", "--person", "Lukashenka", "--date-from", "2021-01-01")
        assert result.exit_code == 0, result.output
        events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        assert events == [client.get(f"/v1/events/{dataset[1]['id']}").json()]

    def test_everything_without_filters(self, run, client, dataset):
        result = run("export", "--format", "ndjson")
        assert [json.loads(line)["id"] for line in result.stdout.splitlines() if line.strip()] == \
            self._api_ids(client)

    @pytest.mark.parametrize("options", [["--kind", "video_call"], ["--country", "DEU", "--country", "RU"],
                                         ["--topic", "sovereignty"], ["--initiator", "US"], ["--q", "situation"]])
    def test_filters_match_the_api(self, run, client, dataset, options):
        result = run("export", "--format", "csv", *options)
        assert result.exit_code == 0, result.output
        params: dict[str, Any] = {}
        for name, value in zip(options[::2], options[1::2], strict=True):
            params.setdefault(name.lstrip("-").replace("-", "_"), []).append(value)
        expected = [e["id"] for e in client.get("/v1/events", params={**params, "limit": 500}).json()["data"]]
        assert expected
        assert [row["id"] for row in csv.DictReader(io.StringIO(result.stdout))] == expected

    @pytest.mark.parametrize("options", [["--format", "xml"], ["--format", "csv", "--country", "Narnia"],
                                         ["--format", "csv", "--date-from", "yesterday"],
                                         ["--format", "csv", "--kind", "dinner"]])
    def test_bad_options_fail_without_output(self, run, dataset, options):
        result = run("export", *options)
        assert result.exit_code != 0
        assert result.stdout.strip() == ""


class TestMigrate:
    def test_migrate_brings_a_database_to_ready(self, run, settings, monkeypatch, tmp_path):
        # A new SQLite file when the suite runs on SQLite; the suite's own (already migrated) PostgreSQL
        # database otherwise, where migrating again must be harmless. Seeding takes seconds: one run only.
        url = f"sqlite:///{tmp_path / 'fresh.db'}" if settings.is_sqlite else settings.database_url
        monkeypatch.setenv("DATABASE_URL", url)
        result = run("migrate")
        assert result.exit_code == 0, result.output
        with TestClient(create_app(Settings(database_url=url))) as migrated:
            assert migrated.get("/readyz").status_code == 200
            assert len(migrated.get("/v1/topics").json()["data"]) == 23
