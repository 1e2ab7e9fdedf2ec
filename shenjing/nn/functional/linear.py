"""linear and bilinear maps (the fused op lives in shenjing/ops/arithmetic.py)."""
from ... import ops as _ops
from ...tensor import Tensor

__all__ = ["linear", "bilinear"]


def check_linear_input(name, x, weight):
    """One clear error when x cannot be multiplied by weight (out, in)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor input, got {type(x).__name__}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[-1]:
        raise RuntimeError(f"{name}: expected input with last dimension {weight.shape[-1]}, "
                         f"got shape {tuple(x.shape)}")
    if x.dtype != weight.dtype:
        msg = f"{name}: expected input of dtype {weight.dtype} (the weight's dtype), got {x.dtype}"
        if x.dtype.kind in "iub":
            msg += "; convert integer images to floats first, e.g. x.float() / 255"
        else:
            msg += (f"; convert the input with x.to(shenjing.{weight.dtype}) or the layer "
                    f"with .to(shenjing.{x.dtype})")
        raise RuntimeError(msg)


def linear(input, weight, bias=None):
    """y = x W^T + b for x (..., in), W (out, in), b (out,)."""
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out, in), got shape {tuple(weight.shape)}")
    check_linear_input("linear", input, weight)
    if bias is not None and tuple(bias.shape) not in ((weight.shape[0],), ()):
        raise ValueError(f"linear: bias of shape {tuple(bias.shape)} does not match weight "
                         f"of shape {tuple(weight.shape)} (expected ({weight.shape[0]},))")
    return _ops.linear(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1^T A_k x2 + b_k for x1 (..., in1), x2 (..., in2), A (out, in1, in2)."""
    out, in1, in2 = weight.shape
    for i, (x, n) in enumerate(((input1, in1), (input2, in2)), 1):
        if not isinstance(x, Tensor) or x.ndim == 0 or x.shape[-1] != n:
            raise ValueError(f"bilinear: expected input{i} with last dimension {n}, got shape "
                             f"{tuple(getattr(x, 'shape', ()))}")
    if input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(f"bilinear: input1 {tuple(input1.shape)} and input2 "
                         f"{tuple(input2.shape)} must agree in all but the last dimension")
    # (..., in1) @ (in1, out*in2) -> (..., out, in2), then contract with x2 over in2
    a = _ops.reshape(_ops.permute(weight, (1, 0, 2)), (in1, out * in2))
    t = _ops.reshape(_ops.matmul(input1, a), tuple(input1.shape[:-1]) + (out, in2))
    y = _ops.sum(t * _ops.unsqueeze(input2, -2), -1)
    return y if bias is None else y + bias
