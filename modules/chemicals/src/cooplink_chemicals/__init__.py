"""cooplink's chemicals module: GHS hazard statements on specifications, the licences partners hold, and transfers
of hazardous goods refused to receivers without the licence they need."""

__version__ = "0.1.0"
