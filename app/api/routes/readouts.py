"""/v1/readouts: ingest a press-service readout; read a stored one."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import ValidationError

from app.api.deps import SessionDep, WriterDep, WriteSessionDep, require_read_key
from app.core.errors import (
    ProblemError,
    UnsupportedMediaTypeError,
    invalid,
    problem_responses,
    validation_problem,
)
from app.core.metrics import count_readout
from app.core.ratelimit import RATE_LIMITED
from app.extraction import extract
from app.models.fields import IsoDate
from app.models.readout import ReadoutCreate, ReadoutIngestResult, ReadoutPublic
from app.services import readouts as readout_service

router = APIRouter(prefix="/v1/readouts", tags=["readouts"], dependencies=[Depends(require_read_key)],
                   responses=problem_responses(401))  # reads too, when REQUIRE_READ_KEY is set


async def readout_submission(
    request: Request,
    publisher: Annotated[str | None, Query(max_length=300, description="With a text/plain body.")] = None,
    url: Annotated[str | None, Query(max_length=2048, pattern=r"^https?://\S+$",
                                     description="With a text/plain body.")] = None,
    published_at: Annotated[IsoDate | None, Query(description="With a text/plain body.")] = None,
) -> ReadoutCreate:
    """The posted readout: a JSON object, or the raw text as text/plain (metadata in the query)."""
    try:
        media_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        body = await request.body()
        if media_type == "text/plain":
            try:
                document: object = {"text": body.decode("utf-8"), "publisher": publisher, "url": url,
                                     "published_at": published_at}
            except UnicodeDecodeError:
                raise invalid("text", "the body is not valid UTF-8", location="body") from None
        elif media_type == "application/json" or media_type.endswith("+json"):
            try:
                document = json.loads(body)
            except (UnicodeDecodeError, json.JSONDecodeError):
                raise invalid("body", "the body is not valid JSON", location="body") from None
            except RecursionError:  # json.loads recurses once per level of nesting
                raise invalid("body", "the body is nested too deeply", location="body") from None
        else:
            raise UnsupportedMediaTypeError("send the readout as application/json or text/plain")
        try:
            submission = ReadoutCreate.model_validate(document)
        except ValidationError as error:
            raise validation_problem(list(error.errors())) from None
        if submission.publisher is None:
            submission.publisher = readout_service.declared_publisher(submission.text)
        return submission
    except ProblemError:
        count_readout("refused")
        raise


_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ReadoutCreate"}},
        "text/plain": {"schema": {"type": "string"}, "example": "Source: President of the Republic of Belarus\n\n"
                       "24 October 2020\n\nBelarus President Aleksandr Lukashenko and U.S. Secretary of State "
                       "Michael Pompeo had a telephone conversation on 24 October."},
    },
}


@router.post(
    "",
    response_model=ReadoutIngestResult,
    status_code=status.HTTP_201_CREATED,
    summary="Ingest a readout",
    description="Extracts the event (kind, date, participants, initiator, duration, topics, countries, "
                "organisations) with evidence spans, stores the readout and the event, and answers both with "
                "the extraction. The same text again answers 200 with what is stored; a readout of a contact "
                "stored from another source is attached to that event. `?dry_run=true` stores nothing.",
    openapi_extra={"requestBody": _BODY},
    responses={200: {"model": ReadoutIngestResult, "description": "Stored already, or a dry run."},
               **problem_responses(400, 401, 403, 413, 415, 422), **RATE_LIMITED},
)
def ingest_readout(
    actor: WriterDep,  # first: a request without a valid key is refused before its body is read
    submission: Annotated[ReadoutCreate, Depends(readout_submission)],
    session: WriteSessionDep,
    response: Response,
    dry_run: Annotated[bool, Query(description="Extract and answer without storing anything.")] = False,
) -> ReadoutIngestResult:
    extracted = extract(submission.text, publisher=submission.publisher, published_at=submission.published_at,
                        url=submission.url)
    try:
        outcome = readout_service.ingest(session, submission=submission, extracted=extracted, actor=actor,
                                         dry_run=dry_run)
    except ProblemError:
        count_readout("refused")
        raise
    count_readout(outcome.status)
    created = outcome.status in {"stored", "merged"}
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    if outcome.result.readout.id:
        response.headers["Location"] = f"/v1/readouts/{outcome.result.readout.id}"
    return outcome.result


@router.get("/{readout_id}", response_model=ReadoutPublic, summary="One stored readout",
            description="The text as posted, its publisher and dates, the extraction with evidence, the event id.",
            responses=problem_responses(404))
def read_readout(readout_id: str, session: SessionDep) -> ReadoutPublic:
    return readout_service.get_readout(session, readout_id=readout_id)
