"""The one error the core raises: it always names the offending field."""


class VFError(ValueError):
    """An event or object breaks a ValueFlows rule. ``field`` names the VF property at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message
