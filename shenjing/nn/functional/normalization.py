"""Batch, layer and group normalization, as in torch.nn.functional."""
from ...ops import normalization as _n
from ...tensor import Tensor
from .conv import _shape_str

__all__ = ["batch_norm", "layer_norm", "group_norm"]


def _check_param(name, what, t, n):
    if t is not None and tuple(t.shape) != (n,):
        raise RuntimeError(f"{name}: expected {what} of shape ({n},), got {_shape_str(t)}")


def _check_dtype(name, input, *params):
    """A float input of the parameters' dtype (integer images would silently turn float64)."""
    want = next((t.dtype for t in params if t is not None), None)
    if input.dtype.kind != "f" or (want is not None and input.dtype != want):
        raise RuntimeError(f"{name}: expected input of dtype {want or 'float'} (the "
                           f"parameters' dtype), got {input.dtype}; convert it with .to()")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Normalize each channel of (N, C, *) by batch statistics (training) or by the
    running statistics (eval); in training the running statistics are updated in place."""
    name = "batch_norm"
    if not isinstance(input, Tensor) or input.ndim < 2:
        raise RuntimeError(f"{name}: expected input of shape (N, C, *), got "
                           f"{_shape_str(input) if isinstance(input, Tensor) else input!r}")
    c = input.shape[1]
    for what, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_param(name, what, t, c)
    _check_dtype(name, input, weight, running_mean)
    if training and input.numel() // c <= 1:
        raise ValueError(f"{name}: expected more than 1 value per channel when training, "
                         f"got input of shape {_shape_str(input)}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(f"{name}: running_mean and running_var are needed when not training")
    return _n.BatchNorm.apply(input, weight, bias,
                              None if running_mean is None else running_mean._data,
                              None if running_var is None else running_var._data,
                              bool(training), 0.0 if momentum is None else float(momentum),
                              float(eps))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize over the trailing ``normalized_shape`` axes, then scale and shift."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"layer_norm: expected input with trailing shape {shape}, "
                           f"got {_shape_str(input)}")
    _check_dtype("layer_norm", input, weight)
    out = _n.Normalize.apply(input, tuple(range(input.ndim - k, input.ndim)), float(eps))
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize (N, C, *) over each group of C/num_groups channels (and all positions)."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise RuntimeError(f"group_norm: expected input of shape (N, C, *) with C divisible "
                           f"by num_groups={num_groups}, got {_shape_str(input)}")
    n, c = input.shape[:2]
    _check_param("group_norm", "weight", weight, c)
    _check_param("group_norm", "bias", bias, c)
    _check_dtype("group_norm", input, weight)
    x = input.reshape(n, num_groups, -1)
    out = _n.Normalize.apply(x, (2,), float(eps)).reshape(tuple(input.shape))
    cs = (c,) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(cs)
    return out if bias is None else out + bias.reshape(cs)
