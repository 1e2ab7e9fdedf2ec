"""Parameter: a Tensor that a Module registers as learnable (requires_grad by default)."""
import numpy as np

from ..tensor import Tensor, _format


class Parameter(Tensor):
    """A learnable tensor; assigning one to a Module attribute registers it."""

    def __new__(cls, data=None, requires_grad=True):
        return object.__new__(cls)

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            arr = np.empty((0,), np.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = np.asarray(data)
        self._init(arr, None)
        self.requires_grad = requires_grad

    def __repr__(self):
        return "Parameter containing:\n" + _format(self, "tensor")

    def __reduce_ex__(self, protocol):
        return (Parameter, (self._data, self.requires_grad))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(self._data.copy(), self.requires_grad)
        memo[id(self)] = p
        return p
