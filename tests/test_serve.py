"""`cooplink serve` as a real server process on 127.0.0.1, reached over HTTP with httpx (both backends)."""

import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from cooplink.node import Node
from cooplink.testing import COOPLINK, free_port, stop_process

STARTUP_SECONDS = 30


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"cooplink serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"cooplink serve did not answer /health within {STARTUP_SECONDS} s:\n{log.read_text()}")


stop = stop_process


@pytest.fixture
def served(widgets: Node, tmp_path):
    """The node served by `cooplink serve` on a free loopback port: (base URL, member token, process)."""
    member = widgets.create_token("member", "serve test")[1]
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen([str(COOPLINK), "--node", str(widgets.home), "serve", "--host", "127.0.0.1",
                                    "--port", str(port), "--log-level", "info"],
                                   stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process, log)
        yield url, member, process, log
    finally:
        if process.poll() is None:
            stop(process)


def test_cooplink_serve_answers_authenticated_requests_and_stops_cleanly(served):
    url, member, process, log = served
    with httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/actor").json()["name"] == "Coop A"
        assert client.get("/inventory").status_code == 401
        auth = {"Authorization": f"Bearer {member}"}
        raised = client.post("/events", headers=auth, json={
            "action": "raise", "spec": "flour", "quantity": {"hasNumericalValue": "2.125", "hasUnit": "kg"},
            "tracking_identifier": "F"})
        assert raised.status_code == 201, raised.text
        lowered = client.post("/events", headers=auth, json=[{"action": "lower", "resource": "F", "quantity": q}
                                                             for q in ("0.1 kg", "25 g")])
        assert lowered.status_code == 201, lowered.text
        flour = client.get("/resources/F", headers=auth).json()
        assert flour["onhand_quantity"] == {"hasNumericalValue": "2", "hasUnit": "kilogram"}
        assert client.get("/verify", headers=auth).status_code == 403
        assert client.get("/docs", headers=auth).status_code == 200
    # uvicorn finishes its requests and shuts down on SIGTERM, then exits by the signal it caught
    assert stop(process) in (0, -signal.SIGTERM)
    assert "Finished server process" in log.read_text()


def test_serve_without_a_node_is_one_line_and_exit_one(tmp_path):
    result = subprocess.run([str(COOPLINK), "--node", str(tmp_path / "none"), "serve", "--port", str(free_port())],
                            check=False, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: node: no node in ")
    assert len(result.stderr.strip().splitlines()) == 1
