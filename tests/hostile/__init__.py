"""Helpers that craft malformed and hostile model files for the saving tests."""
