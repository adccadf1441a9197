"""Every refusal the API gives has one shape, ``{"field": ..., "reason": ...}``, as the CLI's one-line errors do."""

from contextlib import contextmanager

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cooplink.api.schemas import TAG, ErrorOut
from cooplink.vf.errors import VFError


class ApiError(Exception):
    def __init__(self, status: int, field: str, reason: str, headers: dict | None = None):
        super().__init__(f"{field}: {reason}")
        self.status, self.field, self.reason, self.headers = status, field, reason, headers


def refused(status: int, field: str, reason: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"field": field, "reason": reason}, status_code=status, headers=headers)


def missing(error: VFError) -> bool:
    """The service refused because the thing named does not exist ("no process 'p1'")."""
    return error.reason.startswith("no ")


async def on_api_error(request: Request, error: ApiError) -> JSONResponse:
    return refused(error.status, error.field, error.reason, error.headers)


async def on_vf_error(request: Request, error: VFError) -> JSONResponse:
    return refused(422, error.field, error.reason)


async def on_invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """pydantic's first complaint, its location written as a field path ("[1].quantity.hasUnit")."""
    first = error.errors()[0]
    if first.get("type") == "json_invalid":
        return refused(400, "body", "not valid JSON: " + first.get("ctx", {}).get("error", first["msg"]))
    return refused(422, field_path(first["loc"]), first["msg"])


async def on_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """What the framework refuses itself (no such route, wrong method, a body it cannot parse), in our shape."""
    field = {400: "body", 404: "path", 405: "method"}.get(error.status_code, "request")
    return refused(error.status_code, field, str(error.detail), getattr(error, "headers", None))


def field_path(loc) -> str:
    parts = [p for p in loc[1:] if not (isinstance(p, str) and p.startswith(TAG))]
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts).lstrip(".")
    return text or str(loc[0])


@contextmanager
def lookup():
    """Inside it, the service not finding what the path names is a 404; any other refusal stays a 422."""
    try:
        yield
    except VFError as error:
        if missing(error):
            raise ApiError(404, error.field, error.reason) from None
        raise


_MEANING = {400: "The body is not JSON.", 401: "No valid API token.", 403: "The token's role may not do this.",
            404: "What the path names does not exist.", 422: "Refused: the field at fault and why; nothing written."}


def documented(*statuses: int) -> dict:
    """The refusals a router's routes may answer, for the OpenAPI description (all shaped as ErrorOut)."""
    return {status: {"model": ErrorOut, "description": _MEANING[status]} for status in statuses}
