"""Tensor printing with PyTorch's layout: one width for all elements, 4 decimals,
scientific notation when magnitudes span more than 1000x, summarised past 1000."""
import math

import numpy as np

_PRECISION, _THRESHOLD, _EDGEITEMS, _LINEWIDTH = 4, 1000, 3, 80


class _Formatter:
    """Chooses one style (integer, fixed or scientific) and one width for a tensor."""

    def __init__(self, values, floating):
        self.floating, self.int_mode, self.sci_mode = floating, True, False
        if not floating:
            self.width = max((len(str(v)) for v in values.ravel().tolist()), default=1)
            return
        finite = values[np.isfinite(values) & (values != 0)].astype(np.float64)
        if finite.size == 0:
            self.width = 1
            return
        mag = np.abs(finite)
        lo, hi = float(mag.min()), float(mag.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            self.sci_mode = hi / lo > 1000 or hi > 1e8
        else:
            self.sci_mode = hi / lo > 1000 or hi > 1e8 or lo < 1e-4
        self.width = 1
        self.width = max(len(self._plain(v)) for v in finite.tolist())

    def _plain(self, v):
        if not self.floating:
            return str(v)
        if self.sci_mode:
            return f"{v:.{_PRECISION}e}"
        if self.int_mode:
            return f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        return f"{v:.{_PRECISION}f}"

    def format(self, v):
        return self._plain(v).rjust(self.width)


def _summary(arr):
    """The edge items along every axis (what is shown when summarising)."""
    for ax in range(arr.ndim):
        if arr.shape[ax] > 2 * _EDGEITEMS:
            idx = list(range(_EDGEITEMS)) + list(range(arr.shape[ax] - _EDGEITEMS, arr.shape[ax]))
            arr = np.take(arr, idx, axis=ax)
    return arr


def _vector(arr, indent, summarize, fmt):
    per_line = max(1, (_LINEWIDTH - indent) // (fmt.width + 2))
    vals = arr.tolist()
    if summarize and len(vals) > 2 * _EDGEITEMS:
        items = ([fmt.format(v) for v in vals[:_EDGEITEMS]] + [" ..."]
                 + [fmt.format(v) for v in vals[-_EDGEITEMS:]])
    else:
        items = [fmt.format(v) for v in vals]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(arr, indent, summarize, fmt):
    if arr.ndim == 0:
        return fmt.format(arr.item())
    if arr.ndim == 1:
        return _vector(arr, indent, summarize, fmt)
    n = arr.shape[0]
    if summarize and n > 2 * _EDGEITEMS:
        rows = ([_nested(arr[i], indent + 1, summarize, fmt) for i in range(_EDGEITEMS)] + ["..."]
                + [_nested(arr[i], indent + 1, summarize, fmt) for i in range(n - _EDGEITEMS, n)])
    else:
        rows = [_nested(arr[i], indent + 1, summarize, fmt) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def format_tensor(arr, name, suffixes, default_dtype):
    """``name(values, suffix=...)`` for the NumPy array ``arr``, laid out as PyTorch does."""
    prefix = f"{name}("
    extra = []
    if arr.size == 0:
        body = "[]"
        if arr.shape != (0,):
            extra.append(f"size={tuple(arr.shape)}")
        show_dtype = arr.dtype != default_dtype
    else:
        summarize = arr.size > _THRESHOLD
        fmt = _Formatter(_summary(arr) if summarize else arr, arr.dtype.kind == "f")
        body = _nested(arr, len(prefix), summarize, fmt)
        show_dtype = arr.dtype not in (default_dtype, np.int64, np.bool_)
    if show_dtype:
        extra.append(f"dtype=shenjing.{arr.dtype}")
    return prefix + body + "".join(", " + e for e in extra + list(suffixes)) + ")"
