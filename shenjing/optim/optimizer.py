"""Optimizer: the base class of every optimizer, with a flat parameter buffer.

Parameters are given as an iterable of Tensors, or of dicts ("param groups"), each
with its own ``params`` and any options that override the optimizer's defaults::

    Adam([{"params": model.body.parameters()},
          {"params": model.head.parameters(), "lr": 1e-2}], lr=1e-3)

The flat buffer
---------------
Updating parameters one by one costs a dozen NumPy calls per parameter and
per step. Instead, for every param group whose trainable parameters share one
floating dtype, the optimizer keeps

* one contiguous 1-d array holding all their values: each parameter's ``_data``
  is rebound at construction to a reshaped view of its slice (Modules keep
  working; copying into a parameter in place writes into the buffer);
* one contiguous 1-d array for their gradients: each parameter's ``_grad_buf``
  is set to the view of its slice, so backward writes new gradients straight
  into it (see ``Tensor._accumulate``);
* one contiguous 1-d array per kind of optimizer state (exp_avg, ...): the
  Tensors in ``optimizer.state[p]`` wrap views of them.

A step then updates runs of consecutive parameters with whole-array in-place
NumPy operations, writing into preallocated scratch arrays: normally one run
covers the whole group. A run is cut where a parameter got no gradient (it is
skipped entirely, as in PyTorch) or is at a different point of its own state
(e.g. a different Adam step count).

Nothing is trusted blindly: before each step the optimizer checks, by identity,
that each parameter still uses its view (if ``p.data`` was rebound, the new
values are copied into the buffer and the view is put back; if the shape or
dtype changed the group leaves the flat scheme), that each gradient is the
buffer view (a gradient set by hand is copied in), and that each state Tensor
still wraps its view.
"""
import os
import sys
import warnings
from collections import defaultdict
from copy import deepcopy

import numpy as np

from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor


class _RequiredParameter:
    """Marks a default that every param group must provide (e.g. SGD's lr once was)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _refcount_of_grad(owner):
    g = owner.grad
    return sys.getrefcount(g)


class _Probe:
    pass


def _calibrate():
    o = _Probe()
    o.grad = _Probe()
    return _refcount_of_grad(o)


_GRAD_REFS_WHEN_UNSHARED = _calibrate()


# Flat updates run over chunks of _CHUNK elements, so that the handful of arrays one
# chunk touches stay in the CPU's cache between the NumPy calls; spans of at least
# _PARALLEL_MIN elements are split between threads (NumPy releases the GIL inside
# its loops). SHENJING_NUM_THREADS caps the number of threads.
_CHUNK = 1 << 16
_PARALLEL_MIN = 1 << 17
_NUM_THREADS = max(1, min(int(os.environ.get("SHENJING_NUM_THREADS", "0") or 0)
                          or (os.cpu_count() or 1), 4))
_pool = None


def _parallel(work, lo, hi):
    """Run work(a, b) over [lo, hi), split into chunk-aligned parts, one per thread."""
    global _pool
    n = hi - lo
    parts = min(_NUM_THREADS, n // (_PARALLEL_MIN // 2)) if n >= _PARALLEL_MIN else 1
    if parts <= 1:
        work(lo, hi)
        return
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor
        _pool = ThreadPoolExecutor(_NUM_THREADS - 1, thread_name_prefix="shenjing-optim")
    step = -(-n // parts // _CHUNK) * _CHUNK
    bounds = [min(lo + k * step, hi) for k in range(parts + 1)]
    futures = [_pool.submit(work, bounds[k], bounds[k + 1]) for k in range(1, parts)]
    try:
        work(bounds[0], bounds[1])
    finally:
        for f in futures:
            f.result()


class _FlatGroup:
    """Flat value, gradient, state and scratch buffers for a group's params of one dtype."""

    def __init__(self, params, dtype):
        self.params = list(params)
        self.index = {id(p): i for i, p in enumerate(self.params)}
        sizes = [p._data.size for p in self.params]
        self.offsets = [0]
        for n in sizes:
            self.offsets.append(self.offsets[-1] + n)
        n = self.offsets[-1]
        self.dtype = dtype
        self.data = np.empty(n, dtype)
        self.grad = np.zeros(n, dtype)
        self.data_views, self.grad_views = [], []
        for i, p in enumerate(self.params):
            a, b = self.offsets[i], self.offsets[i + 1]
            dv = self.data[a:b].reshape(p._data.shape)
            np.copyto(dv, p._data)
            p._data = dv
            gv = self.grad[a:b].reshape(p._data.shape)
            p._grad_buf = gv
            self.data_views.append(dv)
            self.grad_views.append(gv)
        self.state = {}         # name -> (flat array, [view per param])
        self.steps = np.zeros(len(self.params), np.float32)
        self.step_views = [self.steps[i, ...] for i in range(len(self.params))]
        self._scratch = None

    def state_views(self, name):
        entry = self.state.get(name)
        if entry is None:
            flat = np.zeros(self.data.size, self.dtype)
            views = [flat[self.offsets[i]:self.offsets[i + 1]].reshape(p._data.shape)
                     for i, p in enumerate(self.params)]
            entry = self.state[name] = (flat, views)
        return entry

    def scratch(self, a, b):
        if self._scratch is None:
            self._scratch = (np.empty(self.data.size, self.dtype),
                             np.empty(self.data.size, self.dtype))
        return self._scratch[0][a:b], self._scratch[1][a:b]

    def release(self):
        """Leave the flat scheme: stop routing gradients into the buffer."""
        for p, gv in zip(self.params, self.grad_views):
            if p._grad_buf is gv:
                p._grad_buf = None


class Optimizer:
    r"""Base class of all optimizers.

    Args:
        params: an iterable of Tensors, or of dicts defining parameter groups
            (``{"params": [...], "lr": ...}``).
        defaults: the default value of every option, used by groups that don't
            set it.

    Subclasses describe their update with:

    * ``_state_names(group)``: names of the per-parameter state arrays;
    * ``_has_step``: whether ``state["step"]`` counts each parameter's updates;
    * ``_phase(group, state)``: a value that must be equal for parameters to be
      updated together (default: the step count);
    * ``_update(group, param, grad, bufs, phase, t1, t2)``: the in-place update of
      one contiguous run of parameters (arrays of one shape), with two scratch
      arrays.
    """

    _has_step = True

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        self._flat = {}  # id(param group) -> _FlatGroup or None
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors "
                f"or dicts, but got {type(params).__name__}")
        if isinstance(params, dict):
            params = [params]
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError(f"{type(self).__name__} got an empty parameter list (note that "
                             "model.parameters() is a generator: it can be consumed only once)")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for g in param_groups:
            self.add_param_group(g)

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._flat = {}
        for g in self.param_groups:
            self._flat[id(g)] = self._make_flat(g)

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # ------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with ``params`` and optional options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        param_group = dict(param_group)
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry (a list of Tensors), got "
                             f"keys {sorted(map(str, param_group))}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        if params and isinstance(params[0], tuple):
            if not all(isinstance(x, tuple) and len(x) == 2 for x in params):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            param_group["param_names"] = [n for n, _ in params]
            params = [p for _, p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__module__}.{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        param_group["params"] = params
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len({id(p) for p in params}) != len(params):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "each copy will be updated", UserWarning, stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self._validate_group(param_group)
        self.param_groups.append(param_group)
        self._flat[id(param_group)] = self._make_flat(param_group)

    def _validate_group(self, group):
        """Check a group's options (subclasses raise ValueError naming the bad value)."""

    @staticmethod
    def _make_flat(group):
        params = group["params"]
        if len({id(p) for p in params}) != len(params):
            return None
        train = [p for p in params if p.requires_grad]
        if not train:
            return None
        dtype = train[0]._data.dtype
        if dtype.kind != "f" or any(p._data.dtype != dtype for p in train):
            return None
        return _FlatGroup(train, dtype)

    def _flat_of(self, group):
        fg = self._flat.get(id(group), False)
        if fg is False:  # a group added behind our back
            fg = self._flat[id(group)] = self._make_flat(group)
        if fg is not None:
            params = group["params"]
            n_train = sum(1 for p in params if id(p) in fg.index)
            if n_train != len(fg.params):
                fg = self._reflatten(group, fg)
        return fg

    def _reflatten(self, group, fg):
        fg.release()
        new = self._make_flat(group)
        self._flat[id(group)] = new
        return new

    # ------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all optimized parameters.

        With ``set_to_none=True`` (the default) ``p.grad`` becomes None, as in
        PyTorch; the next backward still writes into the flat gradient buffer.
        A gradient Tensor that the caller still holds keeps its values.
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    if g._data is p._grad_buf and \
                            _refcount_of_grad(p) > _GRAD_REFS_WHEN_UNSHARED + 1:
                        # someone kept this gradient: the buffer will be overwritten by
                        # the next backward, so give their Tensor its own copy
                        g._data = g._data.copy()
                    p.grad = None
                else:
                    if g.grad_fn is not None:
                        g = p.grad = g.detach()
                    g._data.fill(0)

    # ------------------------------------------------------------ stepping
    def step(self, closure=None):
        """Perform one update of every parameter that has a gradient.

        ``closure``, if given, re-evaluates the model and returns the loss.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _state_names(self, group):
        return ()

    def _phase(self, group, state):
        st = state.get("step")
        return 0.0 if st is None else float(st._data)

    def _update(self, group, param, grad, bufs, phase, t1, t2):
        raise NotImplementedError

    def _step_group(self, group):
        fg = self._flat_of(group)
        names = self._state_names(group)
        late = [n for n in names if self._initialized_by_update(n)]
        state = self.state
        if fg is not None:
            runs = []
            start = phase = None
            for i, p in enumerate(fg.params):
                if not self._sync_flat_param(group, fg, i, p):
                    if start is not None:
                        runs.append((start, i, phase))
                        start = None
                    if fg is not self._flat.get(id(group)):  # the group left the scheme
                        fg = None
                        break
                    continue
                st = state[p]
                ph = self._phase(group, st)
                self._adopt_state(fg, i, st, names)
                if start is None:
                    start, phase = i, ph
                elif ph != phase:
                    runs.append((start, i, phase))
                    start, phase = i, ph
            if fg is not None:
                if start is not None:
                    runs.append((start, len(fg.params), phase))
                for i0, i1, ph in runs:
                    self._update_span(group, fg, names, fg.offsets[i0], fg.offsets[i1], ph)
                    if self._has_step:
                        fg.steps[i0:i1] += 1
                    for n in late:
                        views = fg.state[n][1]
                        for i in range(i0, i1):
                            st = state[fg.params[i]]
                            if n not in st:
                                st[n] = Tensor._make(views[i], None)
                index = fg.index
                rest = [p for p in group["params"] if id(p) not in index]
            else:
                rest = group["params"]
        else:
            rest = group["params"]
        for p in rest:
            if p.grad is None:
                continue
            self._step_one(group, p, names)

    def _update_span(self, group, fg, names, lo, hi, phase):
        """Update the flat elements [lo, hi) in cache-sized chunks, on several threads."""
        flats = [fg.state[n][0] for n in names]
        s1, s2 = fg.scratch(0, fg.data.size)
        data, grad, update = fg.data, fg.grad, self._update

        def work(lo, hi):
            for a in range(lo, hi, _CHUNK):
                b = min(a + _CHUNK, hi)
                update(group, data[a:b], grad[a:b], {n: f[a:b] for n, f in zip(names, flats)},
                       phase, s1[a:b], s2[a:b])

        _parallel(work, lo, hi)

    def _sync_flat_param(self, group, fg, i, p):
        """Make sure p's values and gradient live in the buffer; False if p has no grad."""
        dv = fg.data_views[i]
        if p._data is not dv:
            if p._data.shape != dv.shape or p._data.dtype != dv.dtype:
                # the parameter changed shape or dtype: leave the flat scheme
                fg.release()
                self._flat[id(group)] = None
                return False
            np.copyto(dv, p._data)
            p._data = dv
        g = p.grad
        if g is None:
            return False
        gv = fg.grad_views[i]
        if g._data is not gv:
            if g._data.shape != gv.shape:
                raise RuntimeError(
                    f"{type(self).__name__}: gradient of shape {tuple(g._data.shape)} does not "
                    f"match its parameter of shape {tuple(gv.shape)}")
            np.copyto(gv, g._data)
        if p._grad_buf is not gv:
            p._grad_buf = gv
        return True

    def _adopt_state(self, fg, i, st, names):
        """Ensure p's state exists and wraps its views of the flat state buffers."""
        if self._has_step:
            t = st.get("step")
            sv = fg.step_views[i]
            if t is None:
                sv[...] = 0
                st["step"] = Tensor._make(sv, None)
            elif t._data is not sv:
                sv[...] = t._data
                t._data = sv
        for n in names:
            views = fg.state_views(n)[1]
            v = views[i]
            t = st.get(n)
            if t is None:
                if self._initialized_by_update(n):
                    continue  # bound after the update wrote it
                v[...] = 0
                st[n] = Tensor._make(v, None)
            elif t._data is not v:
                np.copyto(v, t._data)
                t._data = v

    def _initialized_by_update(self, name):
        return False

    def _step_one(self, group, p, names):
        """Per-parameter path: p is outside the flat buffer."""
        st = self.state[p]
        ph = self._phase(group, st)
        if self._has_step and "step" not in st:
            st["step"] = Tensor._make(np.zeros((), np.float32), None)
        bufs = {}
        for n in names:
            t = st.get(n)
            if t is None:
                arr = np.zeros_like(p._data)
                if not self._initialized_by_update(n):
                    st[n] = Tensor._make(arr, None)
                bufs[n] = arr
            else:
                bufs[n] = t._data
        g = p.grad._data
        if g.shape != p._data.shape:
            raise RuntimeError(
                f"{type(self).__name__}: gradient of shape {tuple(g.shape)} does not match its "
                f"parameter of shape {tuple(p._data.shape)}")
        t1, t2 = np.empty_like(p._data), np.empty_like(p._data)
        self._update(group, p._data, g.astype(p._data.dtype, copy=False), bufs, ph, t1, t2)
        if self._has_step:
            st["step"]._data += 1
        for n in names:
            if n not in st:
                st[n] = Tensor._make(bufs[n], None)

    # ------------------------------------------------------------ state dict
    def state_dict(self):
        """The optimizer's state in PyTorch's layout.

        ``{"state": {index: {name: Tensor}}, "param_groups": [{options..., "params":
        [indices]}]}``, indices numbering the parameters across groups in order.
        The state Tensors are the live ones (as in PyTorch): deep-copy or save
        the result to keep a snapshot.
        """
        index, groups, start = {}, [], 0
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                index.setdefault(id(p), i)
            packed["params"] = [index[id(p)] for p in group["params"]]
            start += len(group["params"])
            groups.append(packed)
        state = {index[id(p)]: v for p, v in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a state from ``state_dict()`` (values are copied)."""
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            got = sorted(map(str, state_dict)) if isinstance(state_dict, dict) else \
                type(state_dict).__name__
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected an optimizer "
                             f"state_dict with 'state' and 'param_groups', got {got}")
        state_dict = deepcopy(state_dict)
        groups, saved = self.param_groups, state_dict["param_groups"]
        if len(groups) != len(saved):
            raise ValueError(
                f"loaded state dict has a different number of parameter groups "
                f"({len(saved)}) than the optimizer ({len(groups)})")
        for g, s in zip(groups, saved):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group ({len(s['params'])} vs {len(g['params'])} params)")
        id_map = {}
        for g, s in zip(groups, saved):
            for old, p in zip(s["params"], g["params"]):
                id_map[old] = p
        new_state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            p = id_map.get(k)
            if p is None:
                new_state[k] = v
                continue
            new_state[p] = {name: self._cast_state(p, name, val) for name, val in v.items()}
            for name, val in new_state[p].items():
                # state of another model (or another order of parameters) must not load
                if name != "step" and isinstance(val, Tensor) and val.ndim and \
                        val.shape != p.shape:
                    raise ValueError(
                        f"{type(self).__name__}.load_state_dict: state {name!r} of parameter "
                        f"{k} has shape {tuple(val.shape)}, but the parameter has shape "
                        f"{tuple(p.shape)} (a state_dict of a different model?)")
        self.state = new_state
        for g, s in zip(groups, saved):
            for k, v in s.items():
                if k != "params":
                    g[k] = v
        # the next step copies the loaded state into the flat buffers (see _adopt_state)

    @staticmethod
    def _cast_state(p, name, value):
        if isinstance(value, Tensor):
            arr = value._data
        elif isinstance(value, np.ndarray):
            arr = value
        elif hasattr(value, "detach") and hasattr(value, "numpy"):  # a torch tensor
            arr = value.detach().cpu().numpy()
        else:
            return value
        if name == "step":
            arr = np.array(arr, np.float32).reshape(())
        elif arr.dtype.kind == "f" and p._data.dtype.kind == "f":
            arr = np.array(arr, p._data.dtype)
        else:
            arr = np.array(arr)
        return Tensor._make(arr, None)


def _descent_grad(g, p, maximize, weight_decay, t1, t2):
    """The gradient an update descends: -g when maximizing, plus weight_decay * p (L2).

    Writes into scratch t1 (using t2) only when it changes g; g itself is never modified.
    """
    if maximize:
        np.negative(g, out=t1)
        g = t1
    if weight_decay != 0:
        np.multiply(p, weight_decay, out=t2)
        np.add(g, t2, out=t1)
        g = t1
    return g


def _lerp_(a, b, w, tmp):
    """a <- a + w * (b - a), rounded as PyTorch's lerp_ (two formulas split at w = 0.5)."""
    np.subtract(b, a, out=tmp)
    if abs(w) < 0.5:
        tmp *= w
        a += tmp
    else:
        tmp *= 1.0 - w
        np.subtract(b, tmp, out=a)


def _check(opt, cond, what, value):
    if not cond:
        raise ValueError(f"Invalid {what}: {value}" if opt is None
                         else f"{opt}: Invalid {what}: {value}")
