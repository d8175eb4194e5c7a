"""Helpers shared by several test packages (the stand-in Teams client)."""
