"""Lambda entry points (``backend.functions.<module>.handler``), one module per function."""
