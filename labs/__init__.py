"""Kiln's lab catalogue and stage tool (see stage.py)."""
