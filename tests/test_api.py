"""The REST API and dashboard through FastAPI's TestClient, on both backends: the role matrix, refusals that name
the field and write nothing, exact quantities, module routes and panels."""

import ast
import json
import re
from decimal import Decimal, localcontext
from pathlib import Path

from typing import Literal

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

import cooplink.api
import cooplink.web
from cooplink.api.app import create_app
from cooplink.api.auth import COOKIE
from cooplink.modules import Attribute, ModuleInfo, Panel, hookimpl
from cooplink.node import Node, RecordEvent, plugins
from cooplink.node.tokens import ROLES

# The documented role matrix (docs/api.md): the least role each route needs; None is open to anybody.
MATRIX = {
    ("GET", "/actor"): None, ("POST", "/inbox"): "peer", ("GET", "/peer/records"): "peer",
    ("GET", "/peer/trace"): "peer", ("GET", "/peer/track"): "peer", ("GET", "/health"): None, ("POST", "/login"): None,
    ("POST", "/logout"): None,
    ("GET", "/docs"): "viewer", ("GET", "/openapi.json"): "viewer", ("GET", "/dashboard"): "viewer",
    ("GET", "/inventory"): "viewer", ("GET", "/resources/{ref}"): "viewer",
    ("GET", "/resources/{ref}/history"): "viewer", ("GET", "/resources/{ref}/trace"): "viewer",
    ("GET", "/resources/{ref}/track"): "viewer", ("GET", "/events/{ref}"): "viewer", ("GET", "/specs"): "viewer",
    ("GET", "/mappings"): "viewer", ("GET", "/mappings/reviews"): "viewer", ("POST", "/mappings"): "member",
    ("POST", "/mappings/reviews/approve"): "member", ("POST", "/mappings/reviews/reject"): "member",
    ("GET", "/processes"): "viewer", ("GET", "/processes/{ref}"): "viewer", ("GET", "/modules"): "viewer",
    ("POST", "/events"): "member", ("POST", "/events/{ref}/correct"): "member", ("POST", "/specs"): "member",
    ("POST", "/processes"): "member", ("POST", "/processes/{ref}/finish"): "member",
    ("GET", "/verify"): "admin", ("POST", "/modules/{name}/enable"): "admin",
    ("POST", "/modules/{name}/disable"): "admin", ("GET", "/tokens"): "admin", ("POST", "/tokens"): "admin",
    ("POST", "/tokens/{token_id}/revoke"): "admin",
}


class Api:
    """A node's app, and a token for each role."""

    def __init__(self, node: Node):
        self.node = node
        self.app = create_app(node)
        self.client = TestClient(self.app)
        self.tokens = {role: node.create_token(role, f"test {role}")[1] for role in ROLES}

    def headers(self, role: str | None) -> dict:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}

    def get(self, path: str, role: str | None = "viewer", **kwargs):
        return self.client.get(path, headers=self.headers(role), **kwargs)

    def post(self, path: str, body=None, role: str | None = "member", **kwargs):
        return self.client.post(path, json=body, headers=self.headers(role), **kwargs)

    def ok(self, response, status: int = 200):
        assert response.status_code == status, response.text
        return response.json()

    def state(self) -> tuple:
        """What a refused request must leave as it was: every resource and the number of events."""
        with self.node.reading() as ledger:
            return self.node.inventory(include_empty=True), ledger.event_count(), len(self.node.specs()), \
                len(self.node.processes())


@pytest.fixture
def api(widgets: Node) -> Api:
    return Api(widgets)


@pytest.fixture
def stocked(api: Api) -> Api:
    """5 kg of flour (tracking id F) and 10 widgets (W)."""
    api.ok(api.post("/events", [{"action": "raise", "quantity": "5 kg", "spec": "flour", "tracking_identifier": "F"},
                                {"action": "raise", "quantity": "10 piece", "spec": "widget",
                                 "tracking_identifier": "W"}]), 201)
    return api


def routes(app) -> dict[tuple[str, str], str | None]:
    return app.state.roles


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "nothing", path)


# who may do what ---------------------------------------------------------------------------------------------------
def test_every_route_declares_the_documented_least_role(api):
    assert routes(api.app) == MATRIX
    described = {(method.upper(), path) for path, operations in api.ok(api.get("/openapi.json"))["paths"].items()
                 for method in operations}
    assert described <= set(MATRIX)  # no route escaped the roll of roles


def test_anonymous_callers_are_refused_everywhere_but_the_actor_health_and_login(api):
    for (method, path), role in MATRIX.items():
        response = api.client.request(method, concrete(path), json={} if method == "POST" else None,
                                      follow_redirects=False)
        if role is None:  # (a login with no token is a 401 of its own, tested below)
            assert response.status_code not in ((403,) if path == "/login" else (401, 403)), path
        elif role == "peer":  # peers sign their requests (tests/test_inbox.py)
            assert response.status_code == 401 and response.json()["field"] == "Signature", path
        else:
            assert response.status_code == 401, (method, path, response.text)
            assert response.headers["www-authenticate"] == "Bearer"
            if path != "/dashboard":
                assert response.json()["field"] == "Authorization"


def test_each_role_is_refused_below_its_least_role_and_admitted_from_it(api):
    for (method, path), least in MATRIX.items():
        if least == "peer":  # no token opens a route meant for peers
            assert all(api.client.request(method, path, headers=api.headers(role), json={}).status_code == 401
                       for role in ROLES), path
        if least in (None, "peer"):
            continue
        for role in ROLES:
            response = api.client.request(method, concrete(path), headers=api.headers(role),
                                          json={} if method == "POST" else None)
            if ROLES.index(role) < ROLES.index(least):
                assert response.status_code == 403, (role, method, path, response.text)
                assert response.json() == {"field": "role",
                                           "reason": f"this needs the {least} role; the token has {role}"}
            else:
                assert response.status_code not in (401, 403), (role, method, path, response.text)


def test_a_viewer_reads_but_cannot_write(stocked):
    api = stocked
    assert len(api.ok(api.get("/inventory"))["resources"]) == 2
    before = api.state()
    for path, body in (("/events", {"action": "raise", "quantity": "1 kg", "resource": "F"}),
                       ("/specs", {"ref": "sugar", "name": "Sugar"}), ("/processes", {"name": "baking"})):
        assert api.post(path, body, role="viewer").status_code == 403
    assert api.state() == before


@pytest.mark.parametrize("header", ["Bearer cl_wrong", "Bearer ", "Basic dXNlcjpwYXNz", "cl_nothing", "Bearer"])
def test_a_wrong_or_malformed_token_is_refused(api, header):
    response = api.client.get("/inventory", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["field"] == "Authorization"


def test_a_revoked_token_is_refused_at_once(api):
    created = api.ok(api.post("/tokens", {"role": "member", "name": "temp"}, role="admin"), 201)
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert api.client.get("/inventory", headers=headers).status_code == 200
    revoked = api.ok(api.post(f"/tokens/{created['id']}/revoke", role="admin"))
    assert revoked["revoked_at"] and "token" not in revoked
    assert api.client.get("/inventory", headers=headers).status_code == 401
    listed = api.ok(api.get("/tokens", role="admin"))
    assert {t["name"] for t in listed} == {"test viewer", "test member", "test admin", "temp"}
    assert all("token" not in t for t in listed)
    assert api.post("/tokens", {"role": "owner", "name": "x"}, role="admin").json()["field"] == "role"


def test_the_actor_document_is_open_and_names_the_node_and_its_inbox(api):
    response = api.client.get("/actor")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/activity+json")
    actor = response.json()
    assert actor["name"] == "Coop A" and actor["type"] == "Organization"
    assert actor["id"] == "http://127.0.0.1:8001" and actor["inbox"] == "http://127.0.0.1:8001/inbox"
    [key] = actor["assertionMethod"]  # the key is tested with federation (tests/test_peers.py)
    assert key["id"] == actor["publicKey"]["id"] == "http://127.0.0.1:8001/actor#main-key"
    assert api.client.get("/health").json() == {"status": "ok"}


def test_the_openapi_description_is_served_to_token_holders(api):
    assert api.client.get("/openapi.json").status_code == 401
    schema = api.ok(api.get("/openapi.json"))
    assert {"/inventory", "/events", "/resources/{ref}/trace", "/verify"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    quantity = schema["components"]["schemas"]["MeasureIO"]["properties"]["hasNumericalValue"]
    assert quantity["type"] == "string"
    docs = api.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text


# recording and reading ---------------------------------------------------------------------------------------------
def test_an_event_is_recorded_and_its_quantities_round_trip_exactly(api):
    exact = "12345678901234567890.123456789012345678901"
    recorded = api.ok(api.post("/events", {"action": "raise", "spec": "flour", "tracking_identifier": "F",
                                           "quantity": {"hasNumericalValue": exact, "hasUnit": "KGM"}}), 201)
    [event] = recorded["events"]
    assert event["resource_quantity"] == {"hasNumericalValue": exact, "hasUnit": "kilogram"}
    resource = api.ok(api.get("/resources/F"))
    assert resource["accounting_quantity"]["hasNumericalValue"] == exact
    api.ok(api.post("/events", {"action": "lower", "resource": "F", "quantity": "0.000000000000000000001 kg"}), 201)
    with localcontext(prec=60):
        left = Decimal(exact) - Decimal("0.000000000000000000001")
    assert api.ok(api.get("/resources/F"))["onhand_quantity"]["hasNumericalValue"] == \
        "12345678901234567890.1234567890123456789"
    assert Decimal("12345678901234567890.1234567890123456789") == left
    assert api.node.resource("F").onhand_quantity == left
    assert api.ok(api.get("/verify", role="admin"))["ok"] is True


def test_a_batch_is_recorded_in_one_transaction(stocked):
    api = stocked
    recorded = api.ok(api.post("/events", [
        {"action": "lower", "resource": "F", "quantity": "1.5 kg"},
        {"action": "transfer", "resource": "W", "quantity": "4 piece", "receiver": "http://127.0.0.1:8002",
         "note": "sold to B"}]), 201)["events"]
    assert [e["action"] for e in recorded] == ["lower", "transfer"]
    stock = {r["tracking_identifier"]: r["onhand_quantity"]["hasNumericalValue"]
             for r in api.ok(api.get("/inventory"))["resources"]}
    assert stock == {"F": "3.5", "W": "6"}


@pytest.mark.parametrize("bad, field", [
    ({"action": "lower", "resource": "F", "quantity": "100 kg"}, "resourceQuantity"),  # more than there is
    ({"action": "fly", "resource": "F", "quantity": "1 kg"}, "action"),
    ({"action": "raise", "resource": "F", "quantity": "1 litre"}, "resourceQuantity"),
    ({"action": "raise", "resource": "nothing", "quantity": "1 kg"}, "resourceInventoriedAs"),
    ({"action": "raise", "resource": "F", "quantity": "-1 kg"}, "resourceQuantity"),
    ({"action": "raise", "resource": "F", "quantity": {"hasNumericalValue": "1,5", "hasUnit": "kg"}},
     "resourceQuantity"),
])
def test_a_batch_with_one_refused_event_writes_nothing(stocked, bad, field):
    api = stocked
    before = api.state()
    good = {"action": "raise", "resource": "W", "quantity": "1 piece"}
    response = api.post("/events", [good, bad, good])
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert api.state() == before


@pytest.mark.parametrize("body, status, field", [
    ({"quantity": "1 kg", "resource": "F"}, 422, "action"),
    ({"action": "raise", "resource": "F", "quantity": "1 kg", "colour": "red"}, 422, "colour"),
    ({"action": "raise", "resource": "F", "quantity": {"hasNumericalValue": 1.5, "hasUnit": "kg"}}, 422,
     "quantity.hasNumericalValue"),  # a JSON number is never taken for an exact quantity
    ({"action": "raise", "resource": "F", "quantity": 2}, 422, "quantity"),
    ({"action": "raise", "resource": "F", "quantity": {"hasNumericalValue": "1"}}, 422, "quantity.hasUnit"),
    ({"action": "raise", "resource": "F", "quantity": {"hasNumericalValue": "1", "hasUnit": "parsec"}}, 422,
     "resourceQuantity"),
    ([{"action": "raise", "resource": "F", "quantity": "1 kg"}, {"action": "raise", "quantity": "kg 1"}], 422,
     "resourceQuantity"),
    ([{"action": "raise", "resource": "F", "quantity": "1 kg"}, {"resource": "F"}], 422, "[1].action"),
    ({"action": "raise", "spec": "flour", "quantity": "1 kg", "lot": "L", "lot_expiration": "soon"}, 422,
     "lot_expiration"),
    ("raise 1 kg", 422, "body"),
])
def test_bad_input_names_the_field_and_writes_nothing(stocked, body, status, field):
    api = stocked
    before = api.state()
    response = api.post("/events", body)
    assert response.status_code == status, response.text
    assert response.json()["field"] == field
    assert response.json()["reason"]
    assert api.state() == before


def test_a_body_that_is_not_json_is_a_400(stocked):
    api = stocked
    before = api.state()
    response = api.client.post("/events", content=b'{"action": "raise",', headers={
        **api.headers("member"), "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["field"] == "body"
    assert api.state() == before


def test_resources_are_found_by_short_id_and_tracking_id_with_their_history(stocked):
    api = stocked
    by_tracking = api.ok(api.get("/resources/W"))
    short = by_tracking["id"].rsplit("/", 1)[-1]
    assert api.ok(api.get(f"/resources/{short}")) == by_tracking
    missing = api.get("/resources/nothing")
    assert missing.status_code == 404 and missing.json()["field"] == "resourceInventoriedAs"
    api.ok(api.post("/events", {"action": "lower", "resource": "W", "quantity": "3 piece"}), 201)
    history = api.ok(api.get("/resources/W/history"))
    assert [(e["action"], e["resource_quantity"]["hasNumericalValue"]) for e in history] == \
        [("raise", "10"), ("lower", "3")]
    filtered = api.ok(api.get("/inventory", params={"spec": "flour"}))["resources"]
    assert [r["tracking_identifier"] for r in filtered] == ["F"]


def test_events_are_read_and_corrected(stocked):
    api = stocked
    [event] = api.ok(api.post("/events", {"action": "lower", "resource": "F", "quantity": "2 kg"}), 201)["events"]
    short = event["id"].rsplit("/", 1)[-1]
    assert api.ok(api.get(f"/events/{short}"))["resource_quantity"]["hasNumericalValue"] == "2"
    assert api.get("/events/nothing").status_code == 404
    correction = api.ok(api.post(f"/events/{short}/correct", {"quantity": "0.5 kg", "note": "typo"}), 201)
    assert correction["corrects"] == event["id"]
    assert api.ok(api.get("/resources/F"))["onhand_quantity"]["hasNumericalValue"] == "4.5"
    again = api.post(f"/events/{short}/correct", {"quantity": "1 kg"})
    assert again.status_code == 422 and again.json()["field"] == "corrects"
    assert api.post("/events/nothing/correct", {"quantity": "1 kg"}).status_code == 404


def test_a_process_is_started_fed_finished_and_traced(stocked):
    api = stocked
    api.ok(api.post("/specs", {"ref": "bread", "name": "Bread", "unit": "piece"}), 201)
    process = api.ok(api.post("/processes", {"name": "baking", "ref": "bake-1"}), 201)
    assert process["finished"] is False
    api.ok(api.post("/events", [
        {"action": "consume", "resource": "F", "quantity": "2 kg", "input_of": "bake-1"},
        {"action": "produce", "spec": "bread", "quantity": "8 piece", "output_of": "bake-1",
         "tracking_identifier": "B-1"}]), 201)
    flows = api.ok(api.get("/processes/bake-1"))
    assert [e["action"] for e in flows["inputs"]] == ["consume"] and [e["action"] for e in flows["outputs"]] == \
        ["produce"]
    assert api.ok(api.post("/processes/bake-1/finish"))["finished"] is True
    assert api.post("/processes/bake-1/finish").status_code == 422
    assert api.post("/processes/nothing/finish").status_code == 404
    assert api.get("/processes/nothing").status_code == 404
    trace = api.ok(api.get("/resources/B-1/trace"))
    kinds = [(step["item"]["kind"], step["item"].get("tracking_identifier")) for step in trace]
    assert ("process", None) in kinds and ("resource", "F") in kinds
    track = api.ok(api.get("/resources/F/track"))
    assert any(step["item"].get("tracking_identifier") == "B-1" for step in track)
    assert [p["name"] for p in api.ok(api.get("/processes"))] == ["baking"]


def test_specifications_are_listed_and_added_with_their_refusals(api):
    added = api.ok(api.post("/specs", {"ref": "sugar", "name": "Sugar", "unit": "KGM", "substitutable": True}), 201)
    assert added == {**added, "id": "http://127.0.0.1:8001/specs/sugar", "default_unit_of_resource": "kilogram",
                     "substitutable": True}
    assert {s["name"] for s in api.ok(api.get("/specs"))} == {"Widget", "Flour", "Sugar"}
    before = api.state()
    for body, field in (({"ref": "sugar", "name": "Again"}, "@id"), ({"ref": "salt", "name": "Salt", "unit": "bogus"},
                                                                     "defaultUnitOfResource"),
                        ({"name": "No ref"}, "ref"), ({"ref": " ", "name": "Blank"}, "@id")):
        response = api.post("/specs", body)
        assert response.status_code == 422 and response.json()["field"] == field, response.text
    assert api.state() == before


# modules -----------------------------------------------------------------------------------------------------------
class Demo:
    """A module the tests build: one route for members, one for viewers, and a dashboard panel."""

    def __init__(self, panel_fails: bool = False):
        self.panel_fails = panel_fails

    @hookimpl
    def cooplink_module(self):
        return ModuleInfo("demo", "1.0", "a module built by the tests")

    @hookimpl
    def cooplink_attributes(self):
        return [Attribute("specification", "colour", Literal["red", "green"]),
                Attribute("resource", "grade", int)]

    @hookimpl
    def cooplink_api_routers(self, node):
        members, viewers = APIRouter(), APIRouter()
        viewers.cooplink_role = "viewer"

        @members.post("/count")
        def count() -> dict:
            return {"resources": len(node.inventory())}

        @viewers.get("/hello")
        def hello() -> dict:
            return {"hello": node.name}

        return [members, viewers]

    @hookimpl
    def cooplink_dashboard_panels(self, node):
        def render(n):
            if self.panel_fails:
                raise RuntimeError("broken panel")
            return f"<p class='demo-panel'>{len(n.inventory())} <b>resources</b></p>"
        return [Panel("Demo <stock>", render)]


class EntryPoint:
    def __init__(self, plugin):
        self.plugin = plugin

    def load(self):
        return self.plugin


@pytest.fixture
def install(monkeypatch):
    """Make a plugin object the one installed module, as if its distribution declared the entry point."""
    def installing(plugin) -> None:
        monkeypatch.setattr(plugins, "entry_points", lambda group: [EntryPoint(plugin)])
        plugins.installed.cache_clear()
    yield installing
    plugins.installed.cache_clear()  # the next test finds the real ones again


@pytest.fixture
def demo(install, stocked) -> Api:
    """The demo module installed and enabled on a stocked node, with the app built afterwards."""
    install(Demo())
    stocked.node.enable_module("demo")
    return Api(stocked.node)


def test_a_module_router_is_mounted_behind_the_same_tokens(demo):
    api = demo
    assert api.client.post("/modules/demo/count").status_code == 401
    assert api.post("/modules/demo/count", role="viewer").status_code == 403
    assert api.ok(api.post("/modules/demo/count", role="member")) == {"resources": 2}
    assert api.client.get("/modules/demo/hello").status_code == 401
    assert api.ok(api.get("/modules/demo/hello", role="viewer")) == {"hello": "Coop A"}
    assert routes(api.app)[("POST", "/modules/demo/count")] == "member"
    assert "/modules/demo/hello" in api.ok(api.get("/openapi.json"))["paths"]


def test_module_attributes_are_taken_and_shown_by_the_api(demo):
    api = demo
    made = api.ok(api.post("/specs", {"ref": "paint", "name": "Paint", "unit": "litre",
                                      "attributes": {"demo.colour": "red"}}), 201)
    assert made["attributes"] == {"demo.colour": "red"}
    assert {s["id"].rsplit("/", 1)[-1]: s["attributes"] for s in api.ok(api.get("/specs"))}["paint"] == \
        {"demo.colour": "red"}
    api.ok(api.post("/events", {"action": "produce", "quantity": "3 litre", "spec": "paint", "tracking_identifier": "P",
                                "resource_attributes": {"demo.grade": 2}}), 201)
    assert api.ok(api.get("/resources/P"))["attributes"] == {"demo.grade": 2}
    assert {r["tracking_identifier"]: r["attributes"] for r in api.ok(api.get("/inventory"))["resources"]}["P"] == \
        {"demo.grade": 2}
    before = api.state()
    refused = api.post("/specs", {"ref": "ink", "name": "Ink", "attributes": {"demo.colour": "blue"}})
    assert refused.status_code == 422 and refused.json()["field"] == "demo.colour"
    assert api.state() == before


def test_a_module_is_enabled_and_disabled_through_the_api(install, stocked):
    install(Demo())
    api = stocked
    assert api.ok(api.get("/modules")) == [{"name": "demo", "version": "1.0", "description": "a module built by "
                                            "the tests", "requires": [], "enabled": False}]
    assert api.post("/modules/demo/enable", role="member").status_code == 403
    assert api.ok(api.post("/modules/demo/enable", role="admin"))["enabled"] is True
    assert api.ok(api.get("/modules/demo/hello")) == {"hello": "Coop A"}
    assert api.post("/modules/demo/enable", role="admin").json()["field"] == "module"  # already enabled
    assert api.ok(api.post("/modules/demo/disable", role="admin"))["enabled"] is False
    gone = api.get("/modules/demo/hello")
    assert gone.status_code == 404 and gone.json()["field"] == "module"
    assert "Demo &lt;stock&gt;" not in api.get("/dashboard").text
    assert api.post("/modules/nothing/enable", role="admin").status_code == 404
    api.ok(api.post("/modules/demo/enable", role="admin"))
    assert api.ok(api.get("/modules/demo/hello")) == {"hello": "Coop A"}


def test_the_dashboard_shows_module_panels_as_rendered_and_escapes_its_own_text(demo):
    api = demo
    api.ok(api.post("/specs", {"ref": "evil", "name": "<script>alert(1)</script>", "unit": "piece"}), 201)
    api.ok(api.post("/events", {"action": "raise", "spec": "evil", "quantity": "1 piece",
                                "resource_name": "<img src=x onerror=alert(2)>"}), 201)
    page = api.get("/dashboard")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<p class='demo-panel'>3 <b>resources</b></p>" in html  # the module's HTML, as it rendered it
    assert "<h2>Demo &lt;stock&gt;</h2>" in html  # the title is cooplink's to render: escaped
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html and "<img" not in html
    rows = re.findall(r"<tr><td>", html)
    assert len(rows) == 3
    assert api.client.get("/dashboard").status_code == 401


def test_a_failing_panel_does_not_take_the_dashboard_down(install, stocked):
    install(Demo(panel_fails=True))
    stocked.node.enable_module("demo")
    api = Api(stocked.node)
    page = api.get("/dashboard")
    assert page.status_code == 200
    assert "could not be shown" in page.text and "id=\"inventory\"" in page.text


# the dashboard's sign-in -------------------------------------------------------------------------------------------
def test_the_dashboard_asks_for_a_token_and_keeps_it_in_a_cookie_for_reads_only(stocked):
    api = stocked
    anonymous = api.client.get("/dashboard")
    assert anonymous.status_code == 401 and 'name="token"' in anonymous.text
    wrong = api.client.post("/login", data={"token": "cl_wrong"}, follow_redirects=False)
    assert wrong.status_code == 401 and "not valid" in wrong.text
    assert COOKIE not in api.client.cookies
    signed_in = api.client.post("/login", data={"token": api.tokens["member"]}, follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/dashboard"
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = api.client.get("/dashboard")
    assert page.status_code == 200 and "<td>F</td>" in page.text
    assert api.client.get("/inventory").status_code == 200  # reads with the cookie alone
    before = api.state()
    write = api.client.post("/events", json={"action": "raise", "resource": "F", "quantity": "1 kg"})
    assert write.status_code == 401  # a write needs the Authorization header: no cross-site form can make one
    assert api.state() == before
    api.client.post("/logout", follow_redirects=False)
    assert api.client.get("/dashboard").status_code == 401


# the layers --------------------------------------------------------------------------------------------------------
def test_the_api_and_dashboard_reach_the_ledger_only_through_the_node_service():
    faces = [Path(cooplink.api.__file__).parent, Path(cooplink.web.__file__).parent]
    for source in (path for face in faces for path in face.rglob("*.py")):
        tree = ast.parse(source.read_text())
        imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + \
            [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in imported if m and m.startswith(("cooplink.ledger", "sqlalchemy"))], source


def test_a_route_without_a_declared_role_stops_the_app_from_starting(api, monkeypatch):
    from cooplink.api.routes import specs

    unguarded = APIRouter()

    @unguarded.get("/leak")
    def leak() -> dict:
        return {}

    monkeypatch.setattr(specs, "router", unguarded)
    with pytest.raises(RuntimeError, match="/leak declares no role"):
        create_app(api.node)


def test_responses_never_carry_quantities_as_json_numbers(stocked):
    api = stocked

    def numbers(value):
        if isinstance(value, dict):
            return [n for v in value.values() for n in numbers(v)]
        if isinstance(value, list):
            return [n for v in value for n in numbers(v)]
        return [value] if isinstance(value, float) else []

    for path in ("/inventory", "/resources/F/history", "/resources/F/trace"):
        body = api.ok(api.get(path))
        assert numbers(body) == [] and "hasNumericalValue" in json.dumps(body)


def test_the_recorded_events_are_the_nodes_own(stocked):
    api = stocked
    [event] = api.ok(api.post("/events", {"action": "lower", "resource": "F", "quantity": "1 kg"}), 201)["events"]
    assert api.node.event(event["id"]).resource_quantity.value == Decimal(1)
    assert isinstance(api.node.record(RecordEvent("raise", quantity="1 kg", resource="F"))[0].id, str)
