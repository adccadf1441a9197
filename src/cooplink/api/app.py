"""The node's HTTP application: create_app(node) -> FastAPI."""

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from cooplink import __version__
from cooplink.api.auth import declared_role, require
from cooplink.api.errors import ApiError, documented, on_api_error, on_http_error, on_invalid_request, on_vf_error
from cooplink.api.routes import events, federation, mapping, peer, processes, resources, specs
from cooplink.api.routes import node as node_routes
from cooplink.vf.errors import VFError
from cooplink.web import dashboard

MODULE_ROLE = "member"  # what a module's routes need unless its router says otherwise (router.cooplink_role)


def create_app(node) -> FastAPI:
    app = FastAPI(title=f"cooplink node {node.name}", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None, description=_description())
    app.state.node = node
    app.state.roles = {}  # (method, path) -> the least role it needs; None: open to anybody; 'peer': signed
    app.state.mounted_modules = set()
    app.state.mount_modules = lambda: mount_modules(app)
    for handled, handler in ((ApiError, _on_api_error), (VFError, on_vf_error),
                             (RequestValidationError, on_invalid_request), (StarletteHTTPException, on_http_error)):
        app.add_exception_handler(handled, handler)
    for router in (node_routes.public, federation.router, peer.router, node_routes.router, resources.router,
                   events.router, processes.router, specs.router, mapping.router, dashboard.router):
        _record_roles(app, router)
        app.include_router(router)
    mount_modules(app)
    return app


def mount_modules(app: FastAPI) -> None:
    """Each enabled module's routers under /modules/<name>/, behind the token check; once per module.

    A module disabled later keeps its routes in the table, but they answer 404 (routes cannot be taken out of a
    running app safely); enabled again, they answer again. The core's routes were added first, so a module's
    route can never shadow /modules/<name>/enable or /disable."""
    node = app.state.node
    for name, routers in node.modules.collect("cooplink_api_routers", node=node).items():
        if name in app.state.mounted_modules:
            continue
        for router in routers:
            role = getattr(router, "cooplink_role", MODULE_ROLE)
            _record_roles(app, router, prefix=f"/modules/{name}", role=role)
            app.include_router(router, prefix=f"/modules/{name}", tags=[f"module {name}"],
                               responses=documented(401, 403, 404),
                               dependencies=[Depends(require(role)), Depends(_enabled(name))])
        app.state.mounted_modules.add(name)
    app.openapi_schema = None  # described afresh with the new routes


def _enabled(name: str):
    def check(request: Request) -> None:
        if name not in request.app.state.node.modules.enabled:
            raise ApiError(404, "module", f"module {name!r} is not enabled on this node")
    return check


async def _on_api_error(request: Request, error: ApiError):
    """A person opening the dashboard without a token gets the sign-in form (still a 401)."""
    if error.status == 401 and request.url.path.startswith(dashboard.PREFIX):
        response = dashboard.login_page(401)
        response.headers.update(error.headers or {})
        return response
    return await on_api_error(request, error)


def _record_roles(app: FastAPI, router, prefix: str = "", role: str | None = None) -> None:
    """Deny unless granted: a core route that does not say who may use it is a bug, found before anyone can call
    it. A module's routes get ``role`` from the dependency mount_modules adds to all of them."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            raise TypeError(f"{prefix}{getattr(route, 'path', route)}: only plain API routes can be guarded")
        declared, least = (True, role) if role else declared_role(route)
        if not declared:
            raise RuntimeError(f"route {prefix}{route.path} declares no role (cooplink.api.auth)")
        app.state.roles.update({(method, prefix + route.path): least for method in route.methods})


def _description() -> str:
    return ("The REST API of one cooplink node. Every route needs `Authorization: Bearer <token>` "
            "(`cooplink token create --role viewer|member|admin`) except `GET /actor` and `GET /health`, and "
            "`POST /inbox` and `GET /peer/...`, where peers are known by their RFC 9421 signature. "
            "viewer reads; member also records events, processes and specifications; admin also verifies the "
            "ledger and manages tokens and modules. Refusals answer `{\"field\": ..., \"reason\": ...}`. "
            "Quantities travel as strings, never as JSON numbers.")
