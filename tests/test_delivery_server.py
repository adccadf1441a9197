"""Delivery over real HTTP on 127.0.0.1: the worker as its own process (`cooplink deliver`), inside the server
(`cooplink serve`), and killed with SIGKILL in the middle of a run. The receiving inbox here is a small server of
the test's own that checks every signature against the sender's key and drops duplicates by activity id."""

import json
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

import httpx
import pytest

from cooplink.link import keys
from cooplink.link.delivery import Policy
from cooplink.link.signatures import SignatureRefused, verify
from cooplink.node import Node
from cooplink.node.outbox import enqueue
from cooplink.testing import COOPLINK, free_port, start_cooplink, stop_process

WAIT_SECONDS = 60


class Inbox:
    """A receiving node's inbox, reduced to what these tests need: verify, dedupe by activity id, count."""

    def __init__(self, sender: Node, delay: float = 0.0):
        key = keys.load_or_create(sender.home, sender.base_url)
        self.pinned = {key.key_id: key.public}.get
        self.delay = delay
        self.posts = 0
        self.refused: list[str] = []
        self.seen: dict[str, int] = {}  # activity id -> times received
        self.order: dict[str, list[str]] = {}  # path -> activity ids, first arrival only
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def _handler(self):
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer = inbox.receive(self.path, dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        return Handler

    def receive(self, path: str, headers: dict, body: bytes) -> tuple[int, bytes]:
        """(status, answer): 202 for one activity; 200 and each one's status for a run (an OrderedCollection)."""
        time.sleep(self.delay)
        try:
            verify("POST", self.url + path, headers, body, self.pinned)
        except SignatureRefused as refusal:
            with self.lock:
                self.refused.append(refusal.reason)
            return refusal.status, b""
        document = json.loads(body)
        if document["type"] != "OrderedCollection":
            self._take(path, document["id"])
            return 202, b""
        items = [{"id": item["id"], "status": self._take(path, item["id"])} for item in document["orderedItems"]]
        return 200, json.dumps({"id": document["id"], "items": items}).encode()

    def _take(self, path: str, activity: str) -> str:
        with self.lock:
            self.posts += 1
            first = activity not in self.seen
            if first:
                self.order.setdefault(path, []).append(activity)
            self.seen[activity] = self.seen.get(activity, 0) + 1
        return "applied" if first else "duplicate"

    def distinct(self) -> int:
        with self.lock:
            return len(self.seen)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def send(node: Node, inbox: Inbox, peer: str, count: int) -> list[str]:
    with node.writing() as ledger:
        return [enqueue(ledger, f"{inbox.url}/{peer}", f"{inbox.url}/{peer}/inbox", {"type": "Create", "n": n})
                for n in range(count)]


def wait_for(condition, what: str, process: subprocess.Popen | None = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            pytest.fail(f"the process exited with {process.returncode} before {what}:\n{log.read_text()}")
        time.sleep(0.02)
    pytest.fail(f"not within {WAIT_SECONDS} s: {what}" + (f"\n{log.read_text()}" if log else ""))


def start(node: Node, log: Path, *args: str) -> subprocess.Popen:
    return start_cooplink(node.home, log, *args)


stop = stop_process


def test_cooplink_deliver_once_posts_signed_messages_to_a_real_inbox(node: Node, tmp_path):
    with Inbox(node) as inbox:
        sent = send(node, inbox, "b", 3)
        result = subprocess.run([str(COOPLINK), "--node", str(node.home), "deliver", "--once", "--json"],
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["delivered"] == 3
        assert inbox.refused == [] and inbox.order == {"/b/inbox": sent}
    assert [m.status for m in node.outbox()] == ["delivered"] * 3


def test_a_wrong_key_is_refused_by_the_inbox_and_parked_as_a_dead_letter(node: Node, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    with Inbox(node) as inbox:
        inbox.pinned = {f"{node.base_url}/actor#main-key":
                        keys.load_or_create(other, node.base_url).public}.get  # not the sender's key
        send(node, inbox, "b", 1)
        subprocess.run([str(COOPLINK), "--node", str(node.home), "deliver", "--once"], timeout=60, check=True,
                       capture_output=True)
        assert inbox.seen == {} and len(inbox.refused) == 1
    [message] = node.outbox()
    assert message.status == "dead" and message.last_error.startswith("HTTP 401")


def test_cooplink_serve_runs_the_worker_inside(node: Node, tmp_path):
    port, log = free_port(), tmp_path / "serve.log"
    with Inbox(node) as inbox:
        server = start(node, log, "serve", "--port", str(port), "--log-level", "info")
        try:
            wait_for(lambda: _up(port), "the server answers /health", server, log)
            sent = send(node, inbox, "b", 5)  # written while the server runs: its worker finds them
            wait_for(lambda: node.outbox_counts()["delivered"] == 5, "five messages delivered", server, log)
        finally:
            code = stop(server)
        # uvicorn stops its app (and with it the worker) on SIGTERM, then exits by the signal it caught
        assert code in (0, -signal.SIGTERM), log.read_text()
        assert "delivery worker stopped" in log.read_text()
        assert inbox.order == {"/b/inbox": sent} and inbox.refused == []


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_a_worker_killed_mid_run_loses_nothing_and_marks_each_message_once(node: Node, tmp_path):
    log = tmp_path / "deliver.log"
    args = ("deliver", "--interval", "0.05", "--lease", "1")
    with Inbox(node, delay=0.01) as inbox:
        sent = send(node, inbox, "b", 80) + send(node, inbox, "c", 70)
        worker = start(node, log, *args)
        try:
            wait_for(lambda: inbox.distinct() >= 40, "40 messages received", worker, log)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        assert worker.returncode == -signal.SIGKILL
        assert node.outbox_counts()["pending"] > 0  # killed in the middle of the run
        again = start(node, log, *args)
        try:
            wait_for(lambda: node.outbox_counts()["pending"] == 0, "the outbox drained", again, log)
        finally:
            code = stop(again)
        assert code == 0, log.read_text()
        assert set(inbox.seen) == set(sent) and inbox.refused == []
        assert inbox.posts - len(sent) <= Policy.batch  # only the run in flight at the kill can arrive twice
        assert inbox.order["/b/inbox"] == sent[:80] and inbox.order["/c/inbox"] == sent[80:]
    messages = node.outbox()
    assert [m.status for m in messages] == ["delivered"] * 150
    assert all(m.attempts == 1 for m in messages)  # each row recorded as delivered exactly once


def test_a_worker_in_another_process_sends_at_once_what_a_command_here_commits(node: Node, tmp_path):
    """`cooplink deliver` (or serve) polls only once a minute here; it watches the database for commits of other
    processes (SQLite: data_version; PostgreSQL: LISTEN/NOTIFY), so a command run beside it is sent at once."""
    log = tmp_path / "deliver.log"
    with Inbox(node) as inbox:
        worker = start(node, log, "deliver", "--interval", "60")
        try:
            first = send(node, inbox, "b", 1)
            wait_for(lambda: inbox.distinct() == 1, "the first message sent", worker, log)
            time.sleep(0.5)  # the worker is idle again, in its minute-long wait
            started = time.monotonic()
            second = send(node, inbox, "b", 1)
            wait_for(lambda: inbox.distinct() == 2, "the second message sent", worker, log)
            assert time.monotonic() - started < 5, log.read_text()
        finally:
            code = stop(worker)
        assert code == 0, log.read_text()
        assert inbox.order == {"/b/inbox": first + second}
