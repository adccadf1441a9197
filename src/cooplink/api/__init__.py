"""The node's HTTP face: the REST API (OpenAPI at /docs), the dashboard and the actor document."""
