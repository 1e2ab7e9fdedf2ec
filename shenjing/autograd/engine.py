"""The backward engine: topological order, one reverse pass, gradient accumulation.

Broadcasting is undone here, once, for every op (``sum_to_shape``), and every
gradient is checked against the shape of the tensor it belongs to.
"""
import numpy as np


def sum_to_shape(grad, shape):
    """Sum ``grad`` over the axes that broadcasting expanded to reach its shape.

    Broadcasting prepends size-1 axes and stretches size-1 axes; the adjoint sums
    over the prepended axes, then over the stretched ones (keeping them as 1).
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    if lead > 0:
        grad = grad.sum(axis=tuple(range(lead)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def _topological_order(root_fn):
    """Functions reachable from root_fn, each before the functions it feeds from."""
    # a node is marked when first expanded (not when pushed): a node reached by two
    # paths must finish after all its consumers' subtrees, or the order breaks
    order, visited = [], set()
    stack = [(root_fn, False)]
    while stack:
        fn, expanded = stack.pop()
        if expanded:
            order.append(fn)
            continue
        if id(fn) in visited:
            continue
        visited.add(id(fn))
        stack.append((fn, True))
        for t in fn.inputs:
            child = getattr(t, "grad_fn", None)
            if child is not None and id(child) not in visited:
                stack.append((child, False))
    order.reverse()  # root first
    return order


def _check(fn, i, tensor, g):
    if g.shape != tensor.shape:
        g = sum_to_shape(g, tensor.shape)
    if g.shape != tensor.shape:
        raise RuntimeError(
            f"{fn.name}.backward returned a gradient of shape {g.shape} for input {i} "
            f"of shape {tuple(tensor.shape)}")
    if g.dtype != tensor.dtype:
        g = g.astype(tensor.dtype, copy=False)
    return g


def backward(tensors, grad_tensors=None, retain_graph=False):
    """Compute d(tensors)/d(leaves), accumulating into each leaf's ``.grad``.

    A tensor's hooks see its total gradient once: a non-leaf's when its grad_fn is
    reached (all consumers done), a leaf's at the end of the pass.
    """
    from ..tensor import Tensor

    if isinstance(tensors, Tensor):
        tensors = [tensors]
        grad_tensors = [grad_tensors]
    elif grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    pending = {}  # id(fn) -> one summed gradient slot per output of fn
    leaves = {}   # id(leaf) -> [leaf, summed gradient]
    roots = []
    for k, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not t.requires_grad:
            raise RuntimeError(
                f"element {k} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if t.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs; got shape "
                    f"{tuple(t.shape)} (pass a gradient to backward())")
            g = np.ones(t.shape, t.dtype)
        else:
            g = g._data if isinstance(g, Tensor) else np.asarray(g, t.dtype)
            if g.shape != t.shape:
                raise RuntimeError(
                    f"backward: gradient has shape {g.shape}, expected {tuple(t.shape)}")
        if t.grad_fn is None:  # a leaf: its gradient is g itself
            _add_leaf(leaves, t, g)
            continue
        _add_pending(pending, t.grad_fn, t._output_nr, g)
        roots.append(t.grad_fn)

    for fn in _order(roots, tensors):
        slots = pending.pop(id(fn), None)
        if slots is None:
            continue  # nothing flows into this node
        if fn._freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (at {fn.name}): "
                "its saved values were freed after the first backward. Pass "
                "retain_graph=True to the first backward() if you need to.")
        if fn._tensor_hooks is not None:
            _run_output_hooks(fn, slots)
        if fn._out_meta is None:
            grads_in = fn.backward(slots[0])
        else:
            outs = [s if s is not None else fn._zeros_for_output(i)
                    for i, s in enumerate(slots)]
            grads_in = fn.backward(*outs)
        if not isinstance(grads_in, tuple):
            grads_in = (grads_in,)
        for i, (t, g) in enumerate(zip(fn.inputs, grads_in)):
            if g is None or not fn.needs_input_grad[i]:
                continue
            if t.grad_fn is not None and t.grad_fn._seq > fn._seq:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation (input {i} of "
                    f"{fn.name}, shape {tuple(t.shape)}) has been modified by an item "
                    "assignment after it was used; clone() it before assigning")
            g = _check(fn, i, t, g)
            if t.grad_fn is None:
                _add_leaf(leaves, t, g)
            else:
                _add_pending(pending, t.grad_fn, t._output_nr, g)
        if not retain_graph:
            fn._release()

    for t, g in leaves.values():
        for hook in t._hooks or ():
            r = hook(Tensor._make(g, None))
            if r is not None:
                g = r._data
        t._accumulate(g)


def _order(roots, tensors):
    """One topological order over everything reachable from all roots."""
    if not roots:
        return []
    if len(roots) == 1:
        return _topological_order(roots[0])
    from .function import Function

    class _Root(Function):
        _seq = float("inf")
    super_root = _Root()
    super_root.inputs = tuple(t for t in tensors if t.grad_fn is not None)
    return _topological_order(super_root)[1:]


def _run_output_hooks(fn, slots):
    """Hooks and retain_grad of the tensors fn produced, on their total gradients."""
    from ..tensor import Tensor
    for nr, (hooks, tensor) in fn._tensor_hooks.items():
        g = slots[nr]
        if g is None:
            continue
        for hook in hooks:
            r = hook(Tensor._make(g, None))
            if r is not None:
                g = r._data
        slots[nr] = g
        if tensor is not None and tensor._retains_grad:
            tensor._accumulate(g)


def _add_leaf(leaves, t, g):
    entry = leaves.get(id(t))
    if entry is None:
        leaves[id(t)] = [t, g]
    else:
        entry[1] = entry[1] + g


def _add_pending(pending, fn, nr, g):
    slots = pending.get(id(fn))
    if slots is None:
        n = 1 if fn._out_meta is None else len(fn._out_meta)
        slots = pending[id(fn)] = [None] * n
    if slots[nr] is None:
        slots[nr] = g
    else:
        slots[nr] = slots[nr] + g
