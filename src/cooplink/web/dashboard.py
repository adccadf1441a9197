"""The dashboard: server-rendered pages for people, behind the same tokens as the API.

Everything cooplink puts on a page is escaped by Jinja (autoescape); a module's panel HTML is the module's own
rendering and is inserted as it is.
"""

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

from cooplink.api.auth import COOKIE, Caller, NodeDep, anybody, require
from cooplink.vf.units import plain

router = APIRouter(include_in_schema=False)
PREFIX = "/dashboard"
log = logging.getLogger(__name__)
pages = Environment(loader=PackageLoader("cooplink.web", "templates"), autoescape=True)


def page(template: str, status_code: int = 200, **values) -> HTMLResponse:
    return HTMLResponse(pages.get_template(template).render(**values), status_code=status_code)


def login_page(status_code: int = 401, error: str | None = None) -> HTMLResponse:
    return page("login.html", status_code=status_code, error=error)


@router.get(PREFIX)
def dashboard(node: NodeDep, who: Annotated[Caller, Depends(require("viewer"))]) -> HTMLResponse:
    names = {s.id: s.name for s in node.specs()}
    return page("dashboard.html", node=node, who=who, rows=[_row(r, names) for r in node.inventory()],
                panels=_panels(node))


def _row(resource, names: dict[str, str]) -> dict:
    lot = resource.lot
    return {"id": resource.id.rsplit("/", 1)[-1], "name": resource.name or "",
            "spec": names.get(resource.conforms_to, resource.conforms_to),
            "accounting": str(plain(resource.accounting_quantity)), "onhand": str(plain(resource.onhand_quantity)),
            "unit": resource.unit.name, "lot": lot.batch_lot_code if lot else "",
            "tracking": resource.tracking_identifier or "", "location": resource.current_location or ""}


def _panels(node) -> list[dict]:
    """Each enabled module's panels; one that fails to render says so instead of taking the page down."""
    shown = []
    for module, panels in node.modules.collect("cooplink_dashboard_panels", node=node).items():
        for panel in panels:
            try:
                body = Markup(panel.render(node))
            except Exception:  # a module's bug must not hide the inventory
                log.exception("dashboard panel %r of module %s failed", panel.title, module)
                body = Markup("<p class=failed>This panel could not be shown: ") + escape(module) + \
                    Markup(" failed to render it (see the server log).</p>")
            shown.append({"module": module, "title": panel.title, "body": body})
    return shown


@router.post("/login", dependencies=[anybody])
def login(request: Request, node: NodeDep, token: Annotated[str, Form()] = ""):
    """Check the token and keep it in a cookie the browser sends back (HttpOnly, SameSite=Strict)."""
    if node.authenticate(token.strip()) is None:
        return login_page(401, "That token is not valid (or was revoked).")
    response = RedirectResponse(PREFIX, status_code=303)
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")
    return response


@router.post("/logout", dependencies=[anybody])
def logout() -> RedirectResponse:
    response = RedirectResponse(PREFIX, status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
