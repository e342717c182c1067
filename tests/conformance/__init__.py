"""AppSync Events wire-conformance suite: raw frames against a real stub."""
