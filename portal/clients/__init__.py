"""HTTP clients for the two systems the bridge talks to: OpenBoxes (source) and QuickBooks Online (target)."""
