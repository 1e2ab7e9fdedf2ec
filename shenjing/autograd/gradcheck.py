"""gradcheck: compare an op's analytic backward with central finite differences.

For f: R^n -> R^m and a random output weighting v, the analytic vector-Jacobian
product v^T J (what backward computes) must equal, for every input element x_i,
(v . f(x + h e_i) - v . f(x - h e_i)) / 2h, evaluated in float64.
"""
import numpy as np

from .grad_mode import enable_grad


class GradcheckError(RuntimeError):
    pass


def _outputs(fn, inputs):
    from ..tensor import Tensor
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, Tensor) and o.dtype.kind == "f"]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """True when backward of ``fn`` at ``inputs`` matches finite differences.

    ``inputs``: a Tensor or tuple; the float64 tensors with requires_grad are checked.
    """
    from ..tensor import Tensor
    if isinstance(inputs, Tensor):
        inputs = (inputs,)
    inputs = tuple(inputs)
    checked = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    for t in checked:
        if t.dtype != np.float64:
            raise GradcheckError(
                f"gradcheck: input of dtype {t.dtype} requires grad; use float64 inputs "
                "(finite differences in float32 are too coarse)")
    rng = np.random.default_rng(seed)
    with enable_grad():
        outs = _outputs(fn, inputs)
        weights = [rng.standard_normal(o.shape) for o in outs]
        for t in checked:
            t.grad = None
        total = None
        for o, w in zip(outs, weights):
            term = (o * Tensor._make(w, None)).sum()
            total = term if total is None else total + term
        if total is None or not total.requires_grad:
            raise GradcheckError("gradcheck: no output depends on the inputs that require grad")
        total.backward()
    analytic = [t.grad._data.copy() if t.grad is not None else np.zeros(t.shape)
                for t in checked]

    def objective():
        return sum(float((o._data * w).sum()) for o, w in zip(_outputs(fn, inputs), weights))

    for k, t in enumerate(checked):
        if not t._data.flags.c_contiguous or not t._data.flags.writeable:
            t._data = np.ascontiguousarray(t._data).copy()
        flat = t._data.reshape(-1)  # a view: perturb in place
        numeric = np.zeros(flat.size)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            plus = objective()
            flat[i] = orig - eps
            minus = objective()
            flat[i] = orig
            numeric[i] = (plus - minus) / (2 * eps)
        a = analytic[k].reshape(-1)
        bad = np.abs(a - numeric) > atol + rtol * np.abs(numeric)
        if bad.any():
            i = int(np.argmax(bad))
            msg = (f"gradcheck: backward disagrees with finite differences for input {k} "
                   f"(shape {tuple(t.shape)}) at flat index {i}: analytic {a[i]:.8g}, "
                   f"numeric {numeric[i]:.8g}; {int(bad.sum())} of {a.size} elements differ")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True
