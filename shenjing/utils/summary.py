"""shenjing.summary: a table of a model's layers, output shapes and parameter counts.

One forward pass on a dummy input, with a pre-hook and a hook on every module, records
each call in order (so a model's real data flow shows, not just its attribute order),
its nesting depth, output shape and the parameters the module owns directly.
"""
from numbers import Integral

import numpy as np

from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

__all__ = ["summary", "ModelStatistics", "LayerInfo"]

MB = 1e6


class LayerInfo:
    """One module call: what it is, where it sits, what it produced."""

    def __init__(self, module, name, depth, index):
        self.module, self.name, self.depth, self.index = module, name, depth, index
        self.class_name = type(module).__name__
        self.output_shapes = []
        self.output_bytes = 0
        own = [p for p in module._parameters.values() if p is not None]
        self.num_params = sum(p.numel() for p in own)
        self.is_leaf = not any(m is not None for m in module._modules.values())
        self.mult_adds = 0
        self.children_called = 0

    def record_output(self, out):
        tensors = list(_tensors(out))
        self.output_shapes = [list(t.shape) for t in tensors]
        self.output_bytes = sum(t._data.nbytes for t in tensors)
        w = self.module._parameters.get("weight")
        m = self.module
        if hasattr(m, "hidden_size") and "weight_hh_l0" in m._parameters and tensors:
            # recurrent: every weight matrix is used once per time step
            steps = tensors[0].shape[1 if getattr(m, "batch_first", False) else 0] \
                if tensors[0].dim() == 3 else 1
            batch = tensors[0].numel() // (steps * tensors[0].shape[-1])
            self.mult_adds = steps * batch * sum(
                p.numel() for n, p in m._parameters.items() if n.startswith("weight"))
        elif w is not None and tensors:  # a weight's every entry is used once per output position
            first = tensors[0]
            channels = getattr(self.module, "out_features", None)
            if channels is None and hasattr(self.module, "out_channels") and first.dim() > 1:
                channels = first.shape[1]
            if channels:
                self.mult_adds = w.numel() * (first.numel() // channels)


def _tensors(obj):
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _tensors(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _tensors(o)


class ModelStatistics:
    """What ``summary`` measured; ``str()`` gives the table."""

    def __init__(self, model, layers, inputs, depth):
        self.model, self.layers, self.depth = model, layers, depth
        params = list(model.parameters())
        self.total_params = sum(p.numel() for p in params)
        self.trainable_params = sum(p.numel() for p in params if p.requires_grad)
        self.non_trainable_params = self.total_params - self.trainable_params
        self.total_mult_adds = sum(layer.mult_adds for layer in layers)
        self.input_bytes = sum(t._data.nbytes for t in inputs)
        # outputs of leaf layers are kept for backward, and their gradients too: x2
        self.forward_backward_bytes = 2 * sum(l.output_bytes for l in layers if l.is_leaf)
        self.params_bytes = sum(p._data.nbytes for p in params) + sum(
            b._data.nbytes for b in model.buffers())
        self.total_bytes = self.input_bytes + self.forward_backward_bytes + self.params_bytes

    def rows(self):
        top = [(f"{self.model._get_name()}", _shape_text(self.layers[0].output_shapes)
                if self.layers else "--", _count(self.layers[0].num_params)
                if self.layers else "--")]
        for layer in self.layers[1:]:
            if layer.depth > self.depth:
                continue
            label = ("│  " * (layer.depth - 1) + "├─" + layer.class_name
                     + f" ({layer.name.rsplit('.', 1)[-1]}): {layer.depth}-{layer.index}")
            top.append((label, _shape_text(layer.output_shapes), _count(layer.num_params)))
        return top

    def __str__(self):
        header = ("Layer (type (name): depth-idx)", "Output Shape", "Param #")
        rows = self.rows()
        w0 = max(38, *(len(r[0]) for r in rows)) + 2
        w1 = max(20, *(len(r[1]) for r in rows)) + 2
        w2 = max(12, *(len(r[2]) for r in rows))
        line = "=" * (w0 + w1 + w2)
        fmt = lambda r: f"{r[0]:<{w0}}{r[1]:<{w1}}{r[2]:>{w2}}"  # noqa: E731
        out = [line, fmt(header), line] + [fmt(r) for r in rows] + [line]
        out += [f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.non_trainable_params:,}",
                f"Total mult-adds (M): {self.total_mult_adds / 1e6:.2f}", line,
                f"Input size (MB): {self.input_bytes / MB:.2f}",
                f"Forward/backward pass size (MB): {self.forward_backward_bytes / MB:.2f}",
                f"Params size (MB): {self.params_bytes / MB:.2f}",
                f"Estimated Total Size (MB): {self.total_bytes / MB:.2f}", line]
        return "\n".join(out)

    __repr__ = __str__


def _count(n):
    return f"{n:,}" if n else "--"


def _shape_text(shapes):
    return ", ".join(str(s) for s in shapes) if shapes else "--"


def _make_inputs(input_size, dtypes, batch_dim):
    """One dummy tensor per shape: uniform [0, 1) for floats, zeros for integer dtypes."""
    bad = ValueError(f"shenjing.summary: input_size should be a shape of positive ints "
                     f"(e.g. (1, 28, 28)) or a list of such shapes, got {input_size!r}")
    if not isinstance(input_size, (tuple, list)) or not input_size:
        raise bad
    sizes = [input_size] if isinstance(input_size[0], Integral) else list(input_size)
    if not all(isinstance(sz, (tuple, list)) and all(isinstance(d, Integral) and d > 0 for d in sz)
               for sz in sizes):
        raise bad
    if dtypes is None:
        dtypes = [None] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"shenjing.summary: {len(sizes)} input sizes but {len(dtypes)} dtypes")
    rng = np.random.default_rng(0)
    inputs = []
    for size, dtype in zip(sizes, dtypes):
        size = list(size)
        if batch_dim is not None:
            size.insert(batch_dim, 1)
        dtype = _dt.to_dtype(dtype) or _dt.get_default_dtype()
        arr = rng.random(size).astype(dtype) if dtype.kind == "f" else np.zeros(size, dtype)
        inputs.append(Tensor._make(arr, None))
    return inputs


def summary(model, input_size=None, input_data=None, dtypes=None, batch_dim=None, depth=3,
            verbose=1):
    """Run ``model`` once on a dummy input and tabulate its layers, like torchinfo.

    Args:
        input_size: shape of the input (with the batch dimension unless ``batch_dim`` is
            given, where a batch of 1 is inserted), or a list of shapes for several inputs.
        input_data: real input tensor(s) to use instead of ``input_size``.
        dtypes: one dtype per input (default float32; integer inputs are zeros).
        depth: deepest nesting level shown.
        verbose: 0 returns the result silently, 1 also prints it.
    Returns:
        ModelStatistics, whose ``str`` is the table; totals are attributes.
    """
    from ..nn.module import Module  # here, not at the top: shenjing.nn imports late
    if not isinstance(model, Module):
        raise TypeError(f"shenjing.summary: model must be a shenjing.nn.Module, "
                        f"got {type(model).__name__}")
    if input_data is not None:
        inputs = list(input_data) if isinstance(input_data, (list, tuple)) else [input_data]
    elif input_size is not None:
        inputs = _make_inputs(input_size, dtypes, batch_dim)
    else:
        raise ValueError("shenjing.summary: give input_size (e.g. (1, 1, 28, 28)) or input_data")
    layers, stack, handles = [], [], []

    def pre_hook(module, args):
        if stack:
            stack[-1].children_called += 1
        index = stack[-1].children_called if stack else 1
        info = LayerInfo(module, names.get(id(module), ""), len(stack), index)
        layers.append(info)
        stack.append(info)

    def hook(module, args, out):
        stack.pop().record_output(out)

    names = {id(m): n for n, m in model.named_modules()}
    for m in model.modules():
        handles.append(m.register_forward_pre_hook(pre_hook))
        handles.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()  # no batch-norm statistics update, dropout off
    try:
        with no_grad():
            model(*inputs)
    except Exception as e:
        shapes = ", ".join(str(list(t.shape)) for t in inputs)
        raise RuntimeError(f"shenjing.summary: forward of {type(model).__name__} failed on "
                           f"input of shape {shapes}: {e}") from e
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    result = ModelStatistics(model, layers, inputs, depth)
    if verbose:
        print(result)
    return result
