"""Newsroom operations: open a newsroom folder, record article versions, build, publish."""
