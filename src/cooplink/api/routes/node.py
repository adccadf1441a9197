"""The node itself: its public health check, and what admins do (verify, modules, tokens)."""

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from cooplink.api.auth import NodeDep, admin, anybody, viewer
from cooplink.api.errors import documented, lookup
from cooplink.api.schemas import HealthOut, ModuleOut, TokenCreated, TokenIn, TokenOut, VerifyOut

public = APIRouter(tags=["node"])
router = APIRouter(responses=documented(400, 401, 403, 404, 422))


# public -----------------------------------------------------------------------------------------------------------
@public.get("/health", dependencies=[anybody])
def health() -> HealthOut:
    """Answers once the server is up. Open to anybody; says nothing about the node."""
    return HealthOut()


# the API's own description: closed like everything else -----------------------------------------------------------
@router.get("/openapi.json", dependencies=[viewer], include_in_schema=False)
def openapi(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs", dependencies=[viewer], include_in_schema=False)
def docs(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} API")


# admin ------------------------------------------------------------------------------------------------------------
@router.get("/verify", dependencies=[admin], tags=["node"])
def verify(node: NodeDep) -> VerifyOut:
    """Replay every event from nothing and compare each balance with what the ledger holds."""
    report = node.verify()
    return VerifyOut(ok=report.ok, events=report.events, resources=report.resources,
                     differences=report.differences)


@router.get("/modules", dependencies=[viewer], tags=["modules"])
def modules(node: NodeDep) -> list[ModuleOut]:
    """Installed industry modules, and whether each is enabled on this node."""
    return [ModuleOut(**m) for m in node.module_list()]


@router.post("/modules/{name}/enable", dependencies=[admin], tags=["modules"])
def enable_module(name: str, request: Request, node: NodeDep) -> ModuleOut:
    """Enable a module here (applying its migrations); its API routes appear under /modules/<name>/."""
    with lookup():
        node.enable_module(name)
    request.app.state.mount_modules()
    return _module(node, name)


@router.post("/modules/{name}/disable", dependencies=[admin], tags=["modules"])
def disable_module(name: str, node: NodeDep, drop_data: bool = False) -> ModuleOut:
    """Stop a module acting here; its data stays unless drop_data. Its routes answer 404 from now on."""
    with lookup():
        node.disable_module(name, drop_data=drop_data)
    return _module(node, name)


def _module(node, name: str) -> ModuleOut:
    return next(ModuleOut(**m) for m in node.module_list() if m["name"] == name)


@router.get("/tokens", dependencies=[admin], tags=["tokens"])
def tokens(node: NodeDep) -> list[TokenOut]:
    """Every API token, revoked ones too; never their secrets."""
    return [TokenOut.of(t) for t in node.tokens()]


@router.post("/tokens", dependencies=[admin], tags=["tokens"], status_code=201)
def create_token(body: TokenIn, node: NodeDep) -> TokenCreated:
    """Create a token for a role. Its secret is in this answer only: the node keeps a hash."""
    token, secret = node.create_token(body.role, body.name)
    return TokenCreated(**TokenOut.of(token).model_dump(), token=secret)


@router.post("/tokens/{token_id}/revoke", dependencies=[admin], tags=["tokens"])
def revoke_token(token_id: str, node: NodeDep) -> TokenOut:
    """Revoke a token: requests carrying it are refused from now on."""
    with lookup():
        return TokenOut.of(node.revoke_token(token_id))
