"""Loss functions: cross_entropy, nll_loss, mse_loss, l1_loss, smooth_l1_loss, huber_loss,
binary_cross_entropy(_with_logits), kl_div.

Inputs are checked here (shapes, dtypes, class range) so that a mistake gives one
error naming the loss and both shapes; the math lives in shenjing/ops/loss.py.
"""
import warnings

import numpy as np

from ... import ops as _ops
from ...ops import loss as _L
from ...tensor import Tensor

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]

_REDUCTIONS = ("none", "mean", "sum")


def _reduction(reduction, size_average=None, reduce=None, allowed=_REDUCTIONS):
    """Validate reduction; map the legacy size_average/reduce flags as PyTorch does."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "none" if not reduce else ("mean" if size_average else "sum")
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction "
                         f"(expected one of {', '.join(map(repr, allowed))})")
    return reduction


def _shape(t):
    return tuple(t.shape)


def _need_tensor(name, what, t):
    if not isinstance(t, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(t).__name__}")


def _float_input(name, x):
    _need_tensor(name, "input", x)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating point input, got {x.dtype} "
                        f"(input of shape {_shape(x)})")


def _class_weight(name, weight, x, C):
    """The per-class weight as a raw array of the input's dtype (or None)."""
    if weight is None:
        return None
    w = weight._data if isinstance(weight, Tensor) else np.asarray(weight)
    if w.shape != (C,):
        raise ValueError(f"{name}: weight should have one entry per class, i.e. shape ({C},), "
                         f"got shape {w.shape}")
    return w.astype(x.dtype, copy=False)


def _class_target(name, x, target, ignore_index):
    """Check class-index targets against input (N, C, d...) / (C,); return the raw array."""
    _need_tensor(name, "target", target)
    expected = x.shape[:1] + x.shape[2:] if x.ndim >= 2 else ()
    if target.dtype.kind not in "iu":
        raise RuntimeError(
            f"{name}: expected class indices of an integer dtype (int64) as target, got "
            f"target of dtype {target.dtype} and shape {_shape(target)} for input of dtype "
            f"{x.dtype} and shape {_shape(x)}; class-probability targets must have the "
            f"input's shape {_shape(x)}")
    if target.shape != expected:
        raise ValueError(f"{name}: expected target of shape {tuple(expected)} for input of "
                         f"shape {_shape(x)}, got target of shape {_shape(target)}")
    t = target._data
    C = x.shape[1] if x.ndim >= 2 else x.shape[0]
    if t.size and (t.min() < 0 or t.max() >= C):
        bad = t[(t != ignore_index) & ((t < 0) | (t >= C))]
        if bad.size:
            raise IndexError(f"{name}: target {int(bad.flat[0])} is out of range for {C} classes")
    return t, C


def _class_input(name, x):
    _float_input(name, x)
    if x.ndim == 0:
        raise ValueError(f"{name}: expected input of shape (N, C, ...) or (C,), got a 0-d input")


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross-entropy between logits ``input`` (N, C, d1...) and class indices (N, d1...)
    or class probabilities of the input's shape; = nll_loss(log_softmax(input, 1))."""
    name = "CrossEntropyLoss"
    reduction = _reduction(reduction, size_average, reduce)
    _class_input(name, input)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if isinstance(target, Tensor) and target.shape == input.shape:
        return _soft_cross_entropy(name, input, target, weight, reduction, label_smoothing)
    t, C = _class_target(name, input, target, ignore_index)
    w = _class_weight(name, weight, input, C)
    return _L.CrossEntropy.apply(input, t, w, ignore_index, float(label_smoothing), reduction)


def _soft_cross_entropy(name, x, target, weight, reduction, eps):
    """-(sum_c w_c y_c log softmax(x)_c); mean divides by the number of samples."""
    if target.dtype.kind != "f":
        raise RuntimeError(f"{name}: a target of the input's shape {_shape(x)} is read as class "
                        f"probabilities and must be floating point, got {target.dtype}")
    axis = 1 if x.ndim > 1 else 0
    C = x.shape[axis]
    if target.dtype != x.dtype:
        target = target.to(x.dtype)
    if eps > 0:
        target = target * (1 - eps) + eps / C
    prod = _ops.log_softmax(x, axis) * target
    w = _class_weight(name, weight, x, C)
    if w is not None:
        prod = prod * Tensor._make(w.reshape((C,) + (1,) * (x.ndim - axis - 1)), None)
    if reduction == "none":
        return -_ops.sum(prod, axis)
    total = -_ops.sum(prod)
    if reduction == "sum":
        return total
    n = x.numel() // C
    return total / n if n else total * float("nan")


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (N, C, d1...) at class
    indices ``target`` (N, d1...); the weighted mean divides by the summed weights."""
    name = "NLLLoss"
    reduction = _reduction(reduction, size_average, reduce)
    _class_input(name, input)
    t, C = _class_target(name, input, target, ignore_index)
    w = _class_weight(name, weight, input, C)
    return _L.NLLLoss.apply(input, t, w, ignore_index, reduction)


def _pair(name, x, y, same_shape=False):
    """Check a regression input/target pair; integer targets take the input's dtype."""
    _float_input(name, x)
    _need_tensor(name, "target", y)
    if y.dtype.kind in "iub":
        y = y.to(x.dtype)
    elif y.dtype != x.dtype:
        raise RuntimeError(f"{name}: input and target must have the same dtype, got input "
                        f"{x.dtype} and target {y.dtype}")
    if x.shape != y.shape:
        msg = (f"{name}: target shape {_shape(y)} differs from input shape {_shape(x)}")
        if same_shape:
            raise ValueError(msg)
        try:
            np.broadcast_shapes(x.shape, y.shape)
        except ValueError:
            raise ValueError(msg + " and the two cannot be broadcast together") from None
        warnings.warn(msg + "; broadcasting them will likely give wrong results. "
                      "Make them the same shape.", stacklevel=3)
    return y


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error (input - target)^2."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _pair("MSELoss", input, target)
    if weight is not None:
        return _weighted("MSELoss", _ops.mul(input - target, input - target), weight,
                         reduction)
    return _L.MSE.apply(input, target, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error |input - target|."""
    reduction = _reduction(reduction, size_average, reduce)
    target = _pair("L1Loss", input, target)
    if weight is not None:
        return _weighted("L1Loss", _ops.abs(input - target), weight, reduction)
    return _L.L1.apply(input, target, reduction)


def _weighted(name, loss, weight, reduction, by_weight=True):
    """Elementwise weights (the input's shape); the mean is sum(w * loss) / sum(w)
    (as PyTorch's mse/l1; its huber_loss takes the plain mean: by_weight=False)."""
    if tuple(weight.shape) != tuple(loss.shape):
        raise ValueError(f"{name}: weight must have the input's shape {tuple(loss.shape)}, "
                         f"got {tuple(weight.shape)}")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / weight.sum() if by_weight else loss.mean()


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (d = input - target)."""
    reduction = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise ValueError(f"SmoothL1Loss: beta must be non-negative, got {beta}")
    target = _pair("SmoothL1Loss", input, target)
    return _L.SmoothL1.apply(input, target, float(beta), False, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2)."""
    reduction = _reduction(reduction)
    if delta <= 0:
        raise ValueError(f"HuberLoss: delta must be positive, got {delta}")
    target = _pair("HuberLoss", input, target)
    if weight is not None:
        return _weighted("HuberLoss", _L.SmoothL1.apply(input, target, float(delta), True,
                                                        "none"), weight, reduction, by_weight=False)
    return _L.SmoothL1.apply(input, target, float(delta), True, reduction)


def _aux(name, what, w, x):
    """An optional weight tensor as a Tensor of the input's dtype, broadcastable to x."""
    if w is None:
        return None
    if not isinstance(w, Tensor):
        w = Tensor._make(np.asarray(w, x.dtype), None)
    try:
        np.broadcast_shapes(w.shape, x.shape)
    except ValueError:
        raise ValueError(f"{name}: {what} of shape {_shape(w)} cannot be broadcast to the "
                         f"input shape {_shape(x)}") from None
    return w if w.dtype == x.dtype else w.to(x.dtype)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-w [y log p + (1 - y) log(1 - p)] for probabilities p = input in [0, 1]."""
    name = "BCELoss"
    reduction = _reduction(reduction, size_average, reduce)
    target = _pair(name, input, target, same_shape=True)
    x = input._data
    if x.size and (x.min() < 0 or x.max() > 1 or np.isnan(x).any()):
        raise ValueError(f"{name}: all elements of input should be between 0 and 1 (got min "
                         f"{float(np.nanmin(x)):.4g}, max {float(np.nanmax(x)):.4g}); apply "
                         "sigmoid first, or use BCEWithLogitsLoss on the logits")
    w = _aux(name, "weight", weight, input)
    return _L.BinaryCrossEntropy.apply(input, target, w, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """BCE of sigmoid(input), computed stably from the logits; pos_weight (broadcast
    along the last dimension) scales the positive term."""
    name = "BCEWithLogitsLoss"
    reduction = _reduction(reduction, size_average, reduce)
    target = _pair(name, input, target, same_shape=True)
    w = _aux(name, "weight", weight, input)
    pw = _aux(name, "pos_weight", pos_weight, input)
    return _L.BCEWithLogits.apply(input, target, w, pw, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise KL divergence target * (log target - input) for log-probabilities input;
    reduction='batchmean' gives the true KL divergence averaged over the batch."""
    reduction = _reduction(reduction, size_average, reduce, _REDUCTIONS + ("batchmean",))
    if reduction == "mean":
        warnings.warn("KLDivLoss: reduction='mean' averages over all elements, not the "
                      "batch; use reduction='batchmean' for the KL divergence", stacklevel=2)
    target = _pair("KLDivLoss", input, target)
    return _L.KLDiv.apply(input, target, bool(log_target), reduction)

