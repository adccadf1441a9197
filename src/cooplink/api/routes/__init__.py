"""The API's routes, one module a resource. Each route declares the least role it needs (see cooplink.api.auth)."""
