"""Other formats in and out of a node: VF JSON-LD / YAML-LD (and later UBL, CSV)."""
