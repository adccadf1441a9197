"""`cooplink serve`: the node's HTTP server (REST API, OpenAPI docs, dashboard, actor document)."""

from typing import Annotated

import typer
from rich.markup import escape

from cooplink.cli.common import console, open_node


def serve(ctx: typer.Context,
          host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", help="The port to listen on.", min=1, max=65535)] = 8001,
          log_level: Annotated[str, typer.Option("--log-level", help="uvicorn's: warning, info, debug.")] = "info",
          deliver: Annotated[bool, typer.Option(
              "--deliver/--no-deliver", help="Run the outbox delivery worker inside the server.")] = True,
          lease: Annotated[float, typer.Option(
              "--lease", min=0.3, help="Seconds a message being sent is held from other workers; after a crash, its "
                                       "peer waits this long. Requests time out within a third of it.")] = 60.0):
    """Run the node's HTTP server until interrupted. Every route but /actor and /health needs an API token
    ('cooplink token create')."""
    import uvicorn

    from cooplink.api.app import create_app

    node = open_node(ctx)
    console().print(f"Serving node {escape(node.name)} on http://{host}:{port} "
                    "(API docs at /docs, dashboard at /dashboard)")
    app = create_app(node)
    if deliver:
        # The delivery worker runs on a thread beside uvicorn's event loop (its database calls and HTTP requests
        # block, so they stay off the loop). It starts and stops with the app: on shutdown it finishes the message
        # in hand first (uvicorn then ends the process by the signal it caught, so a later `finally` never runs).
        from cooplink.link.delivery import Background, Policy, Worker, log

        _log_to_stderr(log, log_level)
        worker = Background(Worker(node, Policy(lease=lease, timeout=min(Policy.timeout, lease / 3))))
        app.router.on_startup.append(worker.start)
        app.router.on_shutdown.append(worker.stop)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


def _log_to_stderr(logger, level: str) -> None:
    """The worker's own lines (retries, dead letters, start and stop) beside uvicorn's, at the same level."""
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level.upper())
