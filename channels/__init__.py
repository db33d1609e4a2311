"""Channels gateway: one module per channel behind one small interface (see base.py)."""
