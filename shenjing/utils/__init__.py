"""Utilities: data loading."""
from . import data
