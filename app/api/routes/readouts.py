"""/v1/readouts: ingest a press-service readout; read a stored one."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from app.api.deps import SessionDep, WriterDep, require_read_key
from app.core.errors import NotImplementedProblem, problem_responses
from app.models.readout import ReadoutIngestResult, ReadoutPublic
from app.services import readouts as readout_service

router = APIRouter(prefix="/v1/readouts", tags=["readouts"], dependencies=[Depends(require_read_key)])


@router.post("", response_model=ReadoutIngestResult, status_code=201, summary="Ingest a readout",
             responses=problem_responses(401, 403, 413, 422, 501))
def ingest_readout(actor: WriterDep) -> ReadoutIngestResult:
    raise NotImplementedProblem("extraction of events from readout text is not available yet")


@router.get("/{readout_id}", response_model=ReadoutPublic, summary="One stored readout",
            responses=problem_responses(404))
def read_readout(readout_id: str, session: SessionDep) -> ReadoutPublic:
    return readout_service.get_readout(session, readout_id=readout_id)
