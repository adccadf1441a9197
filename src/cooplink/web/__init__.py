"""The dashboard: server-rendered pages for people, mounted in the node's HTTP app beside the REST API."""
