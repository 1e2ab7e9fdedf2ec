"""Utilities for layers: gradient clipping, packed sequences (being written)."""
