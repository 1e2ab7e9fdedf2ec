"""Reverse-mode automatic differentiation: Function, the backward engine, grad modes,
and gradcheck (finite differences)."""
from .engine import backward, sum_to_shape
from .function import Function
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, allow_unused=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned instead of accumulated."""
    from ..tensor import Tensor

    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    saved = [(t.grad, t._retains_grad) for t in inputs]
    for t in inputs:
        t.grad = None
        if t.grad_fn is not None:
            t.retain_grad()
    try:
        outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
        gos = grad_outputs if grad_outputs is not None else [None] * len(outs)
        if isinstance(gos, Tensor):
            gos = [gos]
        backward(outs, list(gos), retain_graph=bool(retain_graph))
        result = [t.grad for t in inputs]
    finally:
        for t, (g, r) in zip(inputs, saved):
            t.grad, t._retains_grad = g, r
    if not allow_unused and any(r is None for r in result):
        raise RuntimeError("One of the differentiated Tensors appears to not have been used "
                           "in the graph. Set allow_unused=True if this is the desired behavior.")
    return tuple(result)
