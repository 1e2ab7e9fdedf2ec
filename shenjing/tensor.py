"""Tensor: an n-dimensional NumPy array plus what reverse-mode autograd needs.

A Tensor holds its values in ``_data`` (a NumPy array), and, when it was made by a
differentiable op while gradients were being recorded, the op that made it
(``grad_fn``). Every mathematical method delegates to ``shenjing.ops``, where each
op's forward and backward live side by side.
"""
import builtins

import numpy as np

from . import dtypes as _dt
from .autograd.grad_mode import is_grad_enabled


class Size(tuple):
    """A tensor's shape: a tuple that prints like torch.Size."""

    def __repr__(self):
        return f"shenjing.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


class device:
    """A device name; shenjing computes on the CPU only."""

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type = type.type
        name = str(type).split(":")[0]
        if name != "cpu":
            raise RuntimeError(
                f"shenjing runs on the CPU only; device {type!r} is not available")
        self.type, self.index = "cpu", None

    def __eq__(self, other):
        return isinstance(other, (device, str)) and str(other).split(":")[0] == "cpu"

    def __hash__(self):
        return hash("cpu")

    def __repr__(self):
        return "device(type='cpu')"

    def __str__(self):
        return "cpu"


_CPU = device("cpu")


def _rectangular(make):
    try:
        return make()
    except ValueError:  # NumPy's "inhomogeneous shape" for ragged nested lists
        raise ValueError("tensor: expected a rectangular nested sequence, but the rows "
                         "have different lengths (ragged data)") from None


def _as_array(data, dtype=None):
    """Convert Python data or arrays to a NumPy array with PyTorch's dtype rules."""
    if isinstance(data, Tensor):
        arr = data._data
    elif isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flat(data)):
        arr = _rectangular(lambda: np.array([_as_array(x) for x in data]))
    else:
        arr = _rectangular(lambda: np.asarray(data))
        if arr.dtype == np.float64 and not _has_numpy_float64(data):
            arr = arr.astype(_dt.get_default_dtype())
        elif arr.dtype.kind in "iu" and not isinstance(data, np.generic) and arr.dtype != np.int64 \
                and not _has_numpy_ints(data):
            arr = arr.astype(np.int64)
    if arr.dtype.kind in "OUS":
        raise TypeError(f"can't convert data of dtype {arr.dtype} to a tensor")
    if dtype is not None:
        arr = arr.astype(_dt.to_dtype(dtype), copy=False)
    return arr


def _flat(seq):
    for x in seq:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _has_numpy_float64(data):
    return isinstance(data, np.floating) or (
        isinstance(data, (list, tuple)) and any(isinstance(x, np.float64) for x in _flat(data)))


def _has_numpy_ints(data):
    return isinstance(data, np.integer)


def _unwrap_index(key):
    """Turn Tensors inside an index expression into NumPy arrays."""
    if isinstance(key, Tensor):
        return key._data
    if isinstance(key, tuple):
        return tuple(_unwrap_index(k) for k in key)
    if isinstance(key, list) and any(isinstance(k, Tensor) for k in key):
        return [_unwrap_index(k) for k in key]
    return key


class Tensor:
    """An n-dimensional array that can record the ops applied to it for backward."""

    __array_priority__ = 1000  # NumPy scalars defer to Tensor's reflected operators

    def __init__(self, *args, dtype=None, requires_grad=False):
        if args and all(isinstance(a, (builtins.int, np.integer)) and not isinstance(a, builtins.bool)
                        for a in args):
            data = np.zeros(args, _dt.to_dtype(dtype) or _dt.get_default_dtype())
        elif len(args) == 1:
            data = _as_array(args[0], dtype)
            if dtype is None and not isinstance(args[0], Tensor):
                data = data.astype(_dt.get_default_dtype(), copy=False)
        elif not args:
            data = np.zeros((0,), _dt.to_dtype(dtype) or _dt.get_default_dtype())
        else:
            raise TypeError(f"Tensor(): expected data or a shape, got {args!r}")
        self._init(data, None)
        self.requires_grad = requires_grad

    def _init(self, data, grad_fn, output_nr=0):
        """Set every field of a tensor: its values and its place in the graph."""
        self._data = data
        self.grad = None                # accumulated gradient (a Tensor) after backward
        self.grad_fn = grad_fn          # the Function that made this tensor, None for leaves
        self._output_nr = output_nr     # which output of grad_fn this tensor is
        self._hooks = None
        self._retains_grad = False
        self._grad_buf = None           # where backward writes .grad (see optim.Optimizer)
        self._requires_grad = grad_fn is not None

    @classmethod
    def _make(cls, data, grad_fn, output_nr=0):
        """Fast internal constructor: wrap an array produced by an op."""
        t = object.__new__(Tensor)
        t._init(data if isinstance(data, np.ndarray) else np.asarray(data), grad_fn, output_nr)
        return t

    # ----------------------------------------------------------- attributes
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        if flag and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients, got {self.dtype}")
        if not flag and self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; "
                "use .detach() to get a tensor without history")
        self._requires_grad = builtins.bool(flag)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def data(self):
        """The same values, detached from the graph (shares memory)."""
        return Tensor._make(self._data, None)

    @data.setter
    def data(self, value):
        arr = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._data = arr

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        if self.ndim == 0:
            raise IndexError(f"size: dimension specified as {dim} but the tensor has no dimensions")
        return self._data.shape[self._dim(dim)]

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def device(self):
        return _CPU

    @property
    def is_cuda(self):
        return False

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self):
        return self._data.flags.c_contiguous

    def data_ptr(self):
        return self._data.__array_interface__["data"][0]

    def _dim(self, dim):
        """Normalise a possibly negative dim, with a clear error when out of range."""
        n = self._data.ndim
        lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
        if not lo <= dim <= hi:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
        return dim % n if n else 0

    # ----------------------------------------------------------- conversion
    def numpy(self, force=False):
        if self.requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if dtype is not None:
            return self._data.astype(dtype, copy=False)
        return self._data

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._data.size} values is ambiguous")
        return builtins.bool(self._data.reshape(()).item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self):
        return id(self)

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor, (self._data, self.requires_grad))

    def __repr__(self):
        return _format(self, "tensor")

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return repr(self)

    # --------------------------------------------------------- dtype/device
    def to(self, *args, **kwargs):
        """Convert dtype (and accept device 'cpu'): to(dtype), to('cpu'), to(other)."""
        dtype = _parse_to(args, kwargs)
        if dtype is None or dtype == self.dtype:
            return self
        return _ops.cast(self, dtype)

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        device("cuda")

    def type(self, dtype=None):
        if dtype is None:
            return f"shenjing.{self.dtype}"
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    def half(self):
        return self.to(_dt.float16)

    def long(self):
        return self.to(_dt.int64)

    def int(self):
        return self.to(_dt.int32)

    def bool(self):
        return self.to(_dt.bool)

    def byte(self):
        return self.to(_dt.uint8)

    # new tensors with this one's dtype (tutorial code builds states this way)
    def new_tensor(self, data, dtype=None, requires_grad=False):
        from .creation import tensor
        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        from .creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        from .creation import ones
        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False):
        from .creation import empty
        return empty(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        from .creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    # ------------------------------------------------------------- autograd
    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``."""
        if create_graph:
            raise NotImplementedError("shenjing does not build graphs of gradients (create_graph)")
        from .autograd.engine import backward
        backward(self, gradient, retain_graph=builtins.bool(retain_graph))

    def detach(self):
        return Tensor._make(self._data, None)

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        if self.grad_fn is not None:
            self._retains_grad = True
            self._output_slot()[1] = self

    def _output_slot(self):
        """[hooks, retaining tensor] kept by grad_fn for this output (see engine)."""
        fn = self.grad_fn
        if fn._tensor_hooks is None:
            fn._tensor_hooks = {}
        if self._hooks is None:
            self._hooks = []
        return fn._tensor_hooks.setdefault(self._output_nr, [self._hooks, None])

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._hooks is None:
            self._hooks = []
        if self.grad_fn is not None:
            self._output_slot()
        self._hooks.append(hook)
        hooks = self._hooks

        class _Handle:
            def remove(self_inner):
                if hook in hooks:
                    hooks.remove(hook)
        return _Handle()

    def _accumulate(self, g):
        """Add a gradient array into ``.grad`` (a leaf, or a non-leaf that retains grad)."""
        if self.grad is None:
            buf = self._grad_buf
            if buf is not None and buf.shape == g.shape and buf.dtype == self._data.dtype:
                np.copyto(buf, g)  # optimizer's flat gradient buffer, see optim.Optimizer
            else:
                buf = np.array(g, dtype=self._data.dtype, copy=True)
            self.grad = Tensor._make(buf, None)
        else:
            self.grad._data += g

    # ------------------------------------------------------------- in-place
    def _check_inplace(self, name):
        if self.requires_grad and self.grad_fn is None and is_grad_enabled():
            raise RuntimeError(
                f"{name}: a leaf Variable that requires grad is being used in an in-place "
                "operation; wrap it in shenjing.no_grad()")
        if self.grad_fn is not None and is_grad_enabled():
            raise RuntimeError(
                f"{name}: in-place operations on tensors that are part of a graph are not "
                "supported; use the out-of-place version")

    def _set_inplace(self, arr, name):
        self._check_inplace(name)
        self._data[...] = arr
        return self

    def zero_(self):
        return self._set_inplace(0, "zero_")

    def fill_(self, value):
        return self._set_inplace(_val(value), "fill_")

    def copy_(self, src):
        src = _val(src)
        try:
            ok = np.broadcast_shapes(np.shape(src), self._data.shape) == self._data.shape
        except ValueError:
            ok = False
        if not ok:
            raise RuntimeError(
                f"copy_: source of shape {tuple(np.shape(src))} cannot be broadcast to "
                f"{tuple(self._data.shape)}")
        return self._set_inplace(src, "copy_")

    def add_(self, other, alpha=1):
        return self._set_inplace(self._data + alpha * _val(other), "add_")

    def sub_(self, other, alpha=1):
        return self._set_inplace(self._data - alpha * _val(other), "sub_")

    def mul_(self, other):
        return self._set_inplace(self._data * _val(other), "mul_")

    def div_(self, other):
        return self._set_inplace(self._data / _val(other), "div_")

    def clamp_(self, min=None, max=None):
        return self._set_inplace(np.clip(self._data, min, max), "clamp_")

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import _gen
        return self._set_inplace(_gen(generator).uniform(a, b, self._data.shape), "uniform_")

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import _gen
        return self._set_inplace(_gen(generator).normal(mean, std, self._data.shape), "normal_")

    def bernoulli_(self, p=0.5, generator=None):
        from .random import _gen
        return self._set_inplace(_gen(generator).random(self._data.shape) < p, "bernoulli_")

    def __setitem__(self, key, value):
        key = _unwrap_index(key)
        value_t = value if isinstance(value, Tensor) else None
        if is_grad_enabled() and (self.requires_grad or (value_t is not None and value_t.requires_grad)):
            if self.requires_grad and self.grad_fn is None:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation "
                    "(item assignment); wrap it in shenjing.no_grad()")
            _ops.index_put_rebase(self, key, value)
            return
        self._data[key] = _val(value)

    # ------------------------------------------------------------ operators
    def __add__(self, o): return _ops.add(self, o)
    def __radd__(self, o): return _ops.add(o, self)
    def __sub__(self, o): return _ops.sub(self, o)
    def __rsub__(self, o): return _ops.sub(o, self)
    def __mul__(self, o): return _ops.mul(self, o)
    def __rmul__(self, o): return _ops.mul(o, self)
    def __truediv__(self, o): return _ops.div(self, o)
    def __rtruediv__(self, o): return _ops.div(o, self)
    def __floordiv__(self, o): return _ops.floor_divide(self, o)
    def __rfloordiv__(self, o): return _ops.floor_divide(o, self)
    def __mod__(self, o): return _ops.remainder(self, o)
    def __pow__(self, o): return _ops.pow(self, o)
    def __rpow__(self, o): return _ops.pow(o, self)
    def __matmul__(self, o): return _ops.matmul(self, o)
    def __rmatmul__(self, o): return _ops.matmul(o, self)
    def __neg__(self): return _ops.neg(self)
    def __pos__(self): return self
    def __abs__(self): return _ops.abs(self)
    def __eq__(self, o): return _ops.eq(self, o)
    def __ne__(self, o): return _ops.ne(self, o)
    def __lt__(self, o): return _ops.lt(self, o)
    def __le__(self, o): return _ops.le(self, o)
    def __gt__(self, o): return _ops.gt(self, o)
    def __ge__(self, o): return _ops.ge(self, o)
    def __and__(self, o): return _ops.logical_binary(np.bitwise_and, self, o)
    def __or__(self, o): return _ops.logical_binary(np.bitwise_or, self, o)
    def __xor__(self, o): return _ops.logical_binary(np.bitwise_xor, self, o)
    def __invert__(self): return _ops.logical_not(self) if self.dtype == np.bool_ else Tensor._make(~self._data, None)

    def __iadd__(self, o): return self.add_(o)
    def __isub__(self, o): return self.sub_(o)
    def __imul__(self, o): return self.mul_(o)
    def __itruediv__(self, o): return self.div_(o)

    def __getitem__(self, key):
        return _ops.getitem(self, key)

    # -------------------------------------------------------------- methods
    # each is one call into shenjing.ops; see there for the math
    def add(self, o, alpha=1): return _ops.add(self, o if alpha == 1 else _ops.mul(o, alpha))
    def sub(self, o, alpha=1): return _ops.sub(self, o if alpha == 1 else _ops.mul(o, alpha))
    def mul(self, o): return _ops.mul(self, o)
    def div(self, o): return _ops.div(self, o)
    def pow(self, o): return _ops.pow(self, o)
    def neg(self): return _ops.neg(self)
    def matmul(self, o): return _ops.matmul(self, o)
    def mm(self, o): return _ops.matmul(self, o)
    def bmm(self, o): return _ops.matmul(self, o)
    def dot(self, o): return _ops.matmul(self, o)
    def exp(self): return _ops.exp(self)
    def log(self): return _ops.log(self)
    def log1p(self): return _ops.log1p(self)
    def sqrt(self): return _ops.sqrt(self)
    def rsqrt(self): return _ops.div(1.0, _ops.sqrt(self))
    def square(self): return _ops.mul(self, self)
    def abs(self): return _ops.abs(self)
    def sin(self): return _ops.sin(self)
    def cos(self): return _ops.cos(self)
    def reciprocal(self): return _ops.div(1.0, self)
    def sign(self): return Tensor._make(np.sign(self._data), None)
    def floor(self): return Tensor._make(np.floor(self._data), None)
    def ceil(self): return Tensor._make(np.ceil(self._data), None)
    def round(self): return Tensor._make(np.round(self._data), None)
    def clamp(self, min=None, max=None): return _ops.clamp(self, min, max)
    clip = clamp
    def sigmoid(self): return _ops.sigmoid(self)
    def tanh(self): return _ops.tanh(self)
    def relu(self): return _ops.relu(self)
    def softmax(self, dim): return _ops.softmax(self, dim)
    def log_softmax(self, dim): return _ops.log_softmax(self, dim)
    def sum(self, dim=None, keepdim=False, dtype=None): return _ops.sum(self, dim, keepdim, dtype)
    def mean(self, dim=None, keepdim=False): return _ops.mean(self, dim, keepdim)
    def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return _ops.var(self, dim, unbiased, keepdim, correction)
    def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
        return _ops.std(self, dim, unbiased, keepdim, correction)
    def max(self, dim=None, keepdim=False): return _ops.max(self, dim, keepdim)
    def min(self, dim=None, keepdim=False): return _ops.min(self, dim, keepdim)
    def amax(self, dim=None, keepdim=False): return _ops.amax(self, dim, keepdim)
    def amin(self, dim=None, keepdim=False): return _ops.amin(self, dim, keepdim)
    def argmax(self, dim=None, keepdim=False): return _ops.argmax(self, dim, keepdim)
    def argmin(self, dim=None, keepdim=False): return _ops.argmin(self, dim, keepdim)
    def logsumexp(self, dim, keepdim=False): return _ops.logsumexp(self, dim, keepdim)
    def prod(self, dim=None, keepdim=False): return _ops.prod(self, dim, keepdim)
    def norm(self, p=2, dim=None, keepdim=False): return _ops.norm(self, p, dim, keepdim)
    def any(self, dim=None, keepdim=False): return _ops.any(self, dim, keepdim)
    def all(self, dim=None, keepdim=False): return _ops.all(self, dim, keepdim)
    def eq(self, o): return _ops.eq(self, o)
    def ne(self, o): return _ops.ne(self, o)
    def lt(self, o): return _ops.lt(self, o)
    def le(self, o): return _ops.le(self, o)
    def gt(self, o): return _ops.gt(self, o)
    def ge(self, o): return _ops.ge(self, o)
    def equal(self, o): return self.shape == o.shape and builtins.bool(np.array_equal(self._data, o._data))
    def allclose(self, o, rtol=1e-5, atol=1e-8): return builtins.bool(np.allclose(self._data, _val(o), rtol, atol))
    def logical_not(self): return _ops.logical_not(self)
    def isnan(self): return Tensor._make(np.isnan(self._data), None)
    def isinf(self): return Tensor._make(np.isinf(self._data), None)
    def isfinite(self): return Tensor._make(np.isfinite(self._data), None)
    def where(self, cond, other): return _ops.where(cond, self, other)
    def masked_fill(self, mask, value): return _ops.masked_fill(self, mask, value)
    def gather(self, dim, index): return _ops.gather(self, dim, index)
    def index_select(self, dim, index): return _ops.index_select(self, dim, index)
    def clone(self): return _ops.clone(self)
    def contiguous(self): return self if self._data.flags.c_contiguous else _ops.clone(self)
    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (builtins.int, np.integer)) and not isinstance(shape[0], (tuple, list, Size)):
            return self.to(shape[0])
        return _ops.view(self, shape)
    def view_as(self, o): return _ops.view(self, o.shape)
    def reshape(self, *shape): return _ops.reshape(self, shape)
    def reshape_as(self, o): return _ops.reshape(self, o.shape)
    def flatten(self, start_dim=0, end_dim=-1): return _ops.flatten(self, start_dim, end_dim)
    def unflatten(self, dim, sizes): return _ops.unflatten(self, dim, sizes)
    def squeeze(self, dim=None): return _ops.squeeze(self, dim)
    def unsqueeze(self, dim): return _ops.unsqueeze(self, dim)
    def transpose(self, d0, d1): return _ops.transpose(self, d0, d1)
    swapaxes = transpose
    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self if self.ndim < 2 else _ops.transpose(self, 0, 1)
    @property
    def T(self): return _ops.permute(self, tuple(range(self.ndim))[::-1])
    @property
    def mT(self): return _ops.transpose(self, -2, -1)
    def permute(self, *dims): return _ops.permute(self, dims)
    def expand(self, *sizes): return _ops.expand(self, sizes)
    def expand_as(self, o): return _ops.expand(self, o.shape)
    def repeat(self, *sizes): return _ops.repeat(self, sizes)
    def flip(self, dims): return _ops.flip(self, dims)
    def split(self, split_size, dim=0): return _ops.split(self, split_size, dim)
    def chunk(self, chunks, dim=0): return _ops.chunk(self, chunks, dim)
    def unbind(self, dim=0): return _ops.unbind(self, dim)
    def tile(self, dims): return _ops.repeat(self, dims)
    def cumsum(self, dim): return _ops.cumsum(self, dim)
    def sort(self, dim=-1, descending=False): return _ops.sort(self, dim, descending)
    def argsort(self, dim=-1, descending=False): return _ops.sort(self, dim, descending)[1]
    def topk(self, k, dim=-1, largest=True, sorted=True): return _ops.topk(self, k, dim, largest)


def _parse_to(args, kwargs):
    """The dtype asked for by to(...) arguments (None if only a device); devices other
    than the CPU are refused by ``device``."""
    dtype = kwargs.get("dtype")
    for a in list(args) + [kwargs.get("device")]:
        if a is None:
            continue
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, (str, device)):
            device(a)
        else:
            dtype = a
    return _dt.to_dtype(dtype)


def _val(x):
    """The NumPy value of a Tensor, or x itself."""
    return x._data if isinstance(x, Tensor) else x


def _rebuild_tensor(data, requires_grad):
    return Tensor._make(data, None).requires_grad_(requires_grad)


def _format(t, name):
    from ._format import format_tensor
    extra = []
    if t.grad_fn is not None:
        extra.append(f"grad_fn={t.grad_fn!r}")
    elif t.requires_grad:
        extra.append("requires_grad=True")
    return format_tensor(t._data, name, extra, _dt.get_default_dtype())


from . import ops as _ops  # noqa: E402  (ops import Tensor from this module)
