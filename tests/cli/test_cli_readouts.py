"""The command line for readouts: `ingest` of readout text files and folders, and `evaluate`."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import CORPUS_DIR
from typer.testing import CliRunner

from app.cli import cli
from app.core.config import get_settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readouts"


@pytest.fixture
def run(settings, database, monkeypatch) -> Iterator:  # noqa: ANN001
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    runner = CliRunner()

    def invoke(*args: str):  # noqa: ANN202
        get_settings.cache_clear()
        return runner.invoke(cli, list(args), catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


def summary(output: str) -> dict[str, int]:
    """The counts row of the summary table: stored, duplicates, merged, refused."""
    header = ["stored", "duplicates", "merged", "refused"]
    for line in output.splitlines():
        numbers = re.findall(r"\d+", line)
        if len(numbers) == 4 and not any(word in line for word in header):
            return dict(zip(header, map(int, numbers), strict=True))
    raise AssertionError(f"no summary in {output!r}")


class TestIngestReadouts:
    def test_a_folder_of_readouts_is_stored_and_refusals_are_named(self, run, client, tmp_path):
        folder = tmp_path / "readouts"
        shutil.copytree(FIXTURES, folder)
        texts = sorted(folder.glob("*.txt"))
        result = run("ingest", str(folder))
        counts = summary(result.output)
        assert sum(counts.values()) == len(texts)
        assert counts["refused"] >= 1  # no-contact.txt reports no contact
        assert "no-contact.txt" in result.output
        assert result.exit_code == 1  # something was refused
        events = client.get("/v1/events", params={"limit": 500}).json()["data"]
        assert len(events) == counts["stored"]
        assert sum(len(e["sources"]) for e in events) == counts["stored"] + counts["merged"]

        again = run("ingest", str(folder))
        repeat = summary(again.output)
        assert repeat["stored"] == 0 and repeat["merged"] == 0
        assert repeat["duplicates"] == counts["stored"] + counts["merged"]
        assert len(client.get("/v1/events", params={"limit": 500}).json()["data"]) == len(events)

    def test_binary_junk_is_refused_with_a_reason(self, run, tmp_path):
        path = tmp_path / "junk.txt"
        path.write_bytes(b"\xff\xfe\x00\x81 not text")
        result = run("ingest", str(path))
        assert result.exit_code == 1
        assert "junk.txt" in result.output and "UTF-8" in result.output


class TestEvaluate:
    def test_scores_a_labelled_file(self, run, tmp_path):
        record = {
            "id": "kz-fr-call", "publisher": "Press Service of the President of Kazakhstan",
            "published_at": "2021-03-12", "language": "en",
            "text": "President of Kazakhstan Kassym-Jomart Tokayev held a telephone conversation today with "
                    "President of France Emmanuel Macron at the initiative of the French side.",
            "expected": {"kind": "phone_call", "date": "2021-03-12", "initiator": "FR", "duration_minutes": None,
                         "participants": [
                             {"name": "Kassym-Jomart Tokayev", "title": "President", "country": "KZ"},
                             {"name": "Emmanuel Macron", "title": "President", "country": "FR"}],
                         "topics": [], "mentioned_countries": [], "organizations": []},
        }
        path = tmp_path / "labelled.jsonl"
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        result = run("evaluate", str(path))
        assert result.exit_code == 0, result.output
        for field in ("kind", "date", "initiator", "participants", "titles", "topics", "organizations"):
            assert field in result.output
        assert re.search(r"kind\s.*accuracy\s.*1\.000", result.output)

    @pytest.mark.skipif(not (CORPUS_DIR / "readouts.jsonl").exists(), reason="the shared corpus is not here")
    def test_runs_on_the_corpus(self, run):
        result = run("evaluate", str(CORPUS_DIR / "readouts.jsonl"))
        assert result.exit_code == 0, result.output
        assert "readouts/s" in result.output
