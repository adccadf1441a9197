"""cooplink's food module: dated lots, allergens, first-expiry-first-out picking and recall reports."""

__version__ = "0.1.0"
