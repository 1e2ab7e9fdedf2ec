"""Tests of the autograd engine and gradcheck."""
