"""ONNX export (``shenjing.onnx.export``) and viewing in Netron (``shenjing.onnx.view``)."""
from .export import ExportError, export
from .view import stop, view

__all__ = ["export", "view", "stop", "ExportError"]
