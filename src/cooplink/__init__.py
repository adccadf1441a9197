"""cooplink: link the inventory, production and invoicing of cooperatives on a ValueFlows 1.0 ledger."""

__version__ = "0.1.0"
