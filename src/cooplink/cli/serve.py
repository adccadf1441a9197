"""`cooplink serve`: the node's HTTP server (REST API, OpenAPI docs, dashboard, actor document)."""

from typing import Annotated

import typer
from rich.markup import escape

from cooplink.cli.common import console, open_node


def serve(ctx: typer.Context,
          host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", help="The port to listen on.", min=1, max=65535)] = 8001,
          log_level: Annotated[str, typer.Option("--log-level", help="uvicorn's: warning, info, debug.")] = "info"):
    """Run the node's HTTP server until interrupted. Every route but /actor and /health needs an API token
    ('cooplink token create')."""
    import uvicorn

    from cooplink.api.app import create_app

    node = open_node(ctx)
    console().print(f"Serving node {escape(node.name)} on http://{host}:{port} "
                    "(API docs at /docs, dashboard at /dashboard)")
    uvicorn.run(create_app(node), host=host, port=port, log_level=log_level)
