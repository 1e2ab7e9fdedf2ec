"""Gradient clipping and flat parameter vectors, as torch.nn.utils.

clip_grad_norm_ rescales all gradients together: with N = ||(||g_1||, ..., ||g_k||)||_p
(the p-norm of all gradient entries as one vector), each g_i *= min(1, max_norm / (N + 1e-6)).
"""
import math
import warnings

import numpy as np

from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]


def _with_grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _total_norm(grads, norm_type):
    if not grads:
        return 0.0
    if norm_type == math.inf:
        return max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    if norm_type == 2.0:
        return math.sqrt(sum(float(np.dot(g.ravel(), g.ravel())) for g in grads))
    return sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type))
               for g in grads) ** (1.0 / norm_type)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale gradients in place so that their joint ``norm_type``-norm is at most max_norm.

    Returns the total norm before clipping, as a 0-d Tensor (float32 unless the
    gradients are float64).
    """
    params = _with_grads(parameters)
    try:
        norm_type = float(norm_type)
    except (TypeError, ValueError):
        raise ValueError(f"clip_grad_norm_: norm_type should be a number or 'inf', "
                         f"got {norm_type!r}") from None
    grads = [p.grad._data for p in params]
    total = _total_norm(grads, norm_type)
    dtype = grads[0].dtype if grads else np.float32
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{total}, so they cannot be clipped; set error_if_nonfinite=False to clip anyway")
    coef = float(max_norm) / (total + 1e-6)
    if coef < 1.0 or not math.isfinite(total):  # non-finite norms propagate, as torch
        for g in grads:
            g *= np.asarray(coef, g.dtype)
    return Tensor._make(np.asarray(total, dtype), None)


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                   foreach=None):
    """Deprecated alias of clip_grad_norm_ (kept as torch does)."""
    warnings.warn("clip_grad_norm is deprecated; use clip_grad_norm_", FutureWarning)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry into [-clip_value, clip_value], in place."""
    c = float(clip_value)
    for p in _with_grads(parameters):
        np.clip(p.grad._data, -c, c, out=p.grad._data)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor (differentiable)."""
    from ...ops.shape import cat
    return cat([p.reshape(-1) for p in parameters], 0)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-D ``vec`` into each parameter's data."""
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-D Tensor, got "
                        f"{getattr(vec, 'shape', type(vec).__name__)}")
    params = list(parameters)
    need = sum(p.numel() for p in params)
    if vec.numel() != need:
        raise ValueError(f"vector_to_parameters: vector has {vec.numel()} elements, the "
                         f"parameters need {need}")
    i = 0
    for p in params:
        n = p.numel()
        p.data = Tensor._make(vec._data[i:i + n].reshape(p.shape).astype(p.dtype), None)
        i += n
