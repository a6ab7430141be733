"""/metrics: Prometheus' view of the service."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from app.api.deps import SettingsDep
from app.core.metrics import exposition

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Metrics in Prometheus' text format",
    description="Requests by method, route template and status, their latency, 5xx answers, problems by "
                "type, and ingestion outcomes (readouts; bulk lines). Open like /healthz: it reveals no data, "
                "only traffic; keep it from the internet at the proxy if that matters.",
    response_class=PlainTextResponse,
    responses={200: {"description": "Prometheus text exposition format.",
                     "content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(settings: SettingsDep) -> Response:
    body, media_type = exposition(settings.prometheus_multiproc_dir)
    return Response(body, media_type=media_type)
