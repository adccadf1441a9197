"""The command line: typer commands over the node's service layer, rich tables for people, --json for scripts."""
