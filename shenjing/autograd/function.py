"""Function: the base of every differentiable op, and the node type of the graph.

An op subclasses Function and writes ``forward`` (NumPy arrays in, arrays out) and
``backward`` (gradient arrays of the outputs in, one gradient array per input out)
side by side. ``apply`` is the only place that links a result into the graph.
"""
import itertools

import numpy as np

from .grad_mode import is_grad_enabled

_sequence = itertools.count(1)  # creation order of recorded nodes


class Function:
    """One recorded op application; also the ``grad_fn`` of its outputs.

    Subclasses implement:
      forward(self, *args, **kwargs) -> ndarray or tuple of ndarrays
      backward(self, *grad_outputs) -> ndarray/None, or a tuple of them (one per
          positional argument of forward; None where no gradient flows)
    ``self.needs_input_grad[i]`` tells backward which inputs need a gradient, so
    labels and constants cost nothing. Save what backward needs on ``self``.
    Outputs listed in ``differentiable_outputs`` (default: all) carry gradients.
    """

    inputs = ()
    _out_meta = None
    _freed = False
    _seq = 0
    _tensor_hooks = None  # output_nr -> (hooks list, tensor retaining grad or None)

    @classmethod
    def apply(cls, *args, **kwargs):
        from ..tensor import Tensor

        fn = cls()
        raw = [a._data if isinstance(a, Tensor) else a for a in args]
        needs = (tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
                 if is_grad_enabled() else ())
        record = any(needs)
        fn.needs_input_grad = needs if record else (False,) * len(args)
        out = fn.forward(*raw, **kwargs)
        multi = isinstance(out, tuple)
        if not record:
            if multi:
                return tuple(Tensor._make(o, None, 0) for o in out)
            return Tensor._make(out, None, 0)
        fn.inputs = args
        fn._seq = next(_sequence)
        if not multi:
            return Tensor._make(out, fn, 0)
        fn._out_meta = [(o.shape, o.dtype) for o in out]
        diff = fn.differentiable_outputs(len(out))
        return tuple(Tensor._make(o, fn if d else None, i)
                     for i, (o, d) in enumerate(zip(out, diff)))

    def differentiable_outputs(self, n):
        return (True,) * n

    @property
    def name(self):
        return type(self).__name__

    def __repr__(self):
        return f"<{self.name}Backward0>"

    def next_functions(self):
        """The grad_fn (or leaf tensor) feeding each input, like torch's."""
        from ..tensor import Tensor
        return tuple((a.grad_fn if a.grad_fn is not None else a, 0)
                     if isinstance(a, Tensor) and a.requires_grad else (None, 0)
                     for a in getattr(self, "inputs", ()))

    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, *grads):  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.name} has no backward")

    def _release(self):
        """Drop what forward saved so memory is freed after backward."""
        keep = {"inputs", "needs_input_grad", "_out_meta", "_seq"}
        for k in list(vars(self)):
            if k not in keep:
                delattr(self, k)
        self._freed = True

    def _zeros_for_output(self, i):
        shape, dtype = self._out_meta[i]
        return np.zeros(shape, dtype)
