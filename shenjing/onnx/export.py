"""shenjing.onnx.export: trace a model on an example input and write an ONNX file.

Tracing: while ``export`` runs the model once (in eval mode, without gradients),
``Function.apply`` is wrapped so that every op application is recorded with its
inputs, its non-tensor arguments and its outputs; the wrapper is removed right after,
so ordinary runs pay nothing. Each recorded op whose inputs depend on the model input
becomes ONNX node(s) through the converter registered for its Function class
(``converters.py``); an op fed only by constants and parameters is folded (its output
is already computed, and is stored as a constant). Parameters and buffers become
initializers named after their state_dict keys.
"""
import os

import numpy as np

from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

CONVERTERS = {}  # Function class name -> fn(ctx, args, kwargs, outputs) -> output names


def register(*names):
    """Decorator: the converter for the Function classes called ``names``."""
    def deco(fn):
        for n in names:
            CONVERTERS[n] = fn
        return fn
    return deco


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("shenjing.onnx needs the onnx package: pip install onnx") from None
    return onnx


class ExportError(RuntimeError):
    """The model uses something that has no ONNX form here."""


class _Context:
    """The graph under construction; converters add nodes and constants through it."""

    def __init__(self, onnx, opset, param_names):
        self.onnx, self.opset = onnx, opset
        self.nodes, self.initializers = [], []
        self.dynamic = {}       # id(array) -> ONNX name of a value computed from the input
        self.consts = {}        # id(array) -> initializer name
        self.param_names = param_names  # id(array) -> state_dict key
        self.used, self.keep = set(), []
        self.op = ""

    # ---------------------------------------------------------------- names
    def fresh(self, base):
        name, n = base, 0
        while name in self.used:
            n += 1
            name = f"{base}_{n}"
        self.used.add(name)
        return name

    def is_dynamic(self, x):
        """Whether x (a Tensor, or the raw array of one) is computed from the model input."""
        arr = x._data if isinstance(x, Tensor) else x
        return isinstance(arr, np.ndarray) and id(arr) in self.dynamic

    def array(self, x):
        """The value of a constant input (a parameter, a folded result, a number)."""
        if self.is_dynamic(x):
            raise ExportError(f"{self.op}: this argument must be constant for ONNX, "
                              "but it depends on the model input")
        return x._data if isinstance(x, Tensor) else np.asarray(x)

    def name(self, x, dtype=None):
        """ONNX name of an input: a traced value, or a constant stored as an initializer."""
        if self.is_dynamic(x):
            return self.dynamic[id(x._data if isinstance(x, Tensor) else x)]
        arr = x._data if isinstance(x, Tensor) else np.asarray(x, dtype)
        if dtype is not None and arr.dtype != dtype:
            arr = arr.astype(dtype)
        return self.const(arr, self.param_names.get(id(arr)))

    def const(self, arr, name=None):
        arr = np.asarray(arr)
        if id(arr) in self.consts:
            return self.consts[id(arr)]
        name = self.fresh(name or f"const_{len(self.initializers)}")
        self.initializers.append(self.onnx.numpy_helper.from_array(arr, name))
        self.consts[id(arr)] = name
        self.keep.append(arr)  # keep it alive so its id stays unique
        return name

    def ints(self, values):
        return self.const(np.asarray(list(values), np.int64))

    def node(self, op_type, inputs, n_out=1, **attrs):
        """Add one node; returns its output name (or a list when n_out > 1)."""
        outs = [self.fresh(f"{op_type.lower()}_{len(self.nodes)}") for _ in range(n_out)]
        self.nodes.append(self.onnx.helper.make_node(
            op_type, list(inputs), outs, name=self.fresh(f"{op_type}_{len(self.nodes)}"),
            **{k: v for k, v in attrs.items() if v is not None}))
        return outs[0] if n_out == 1 else outs


def _trace(model, args):
    """Run model(*args) recording (Function class, args, kwargs, outputs) of every op."""
    records = []
    original = Function.__dict__["apply"]

    def traced(cls, *a, **kw):
        out = original.__func__(cls, *a, **kw)
        records.append((cls, a, kw, out if isinstance(out, tuple) else (out,)))
        return out

    Function.apply = classmethod(traced)
    try:
        with no_grad():
            result = model(*args)
    finally:
        Function.apply = original
    return result, records


def _flat_tensors(obj):
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _flat_tensors(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _flat_tensors(o)]
    raise ExportError(f"model output of type {type(obj).__name__} can't be exported")


def _value_info(onnx, name, arr, dyn_axes):
    shape = [dyn_axes.get(i, d) for i, d in enumerate(arr.shape)]
    elem = onnx.helper.np_dtype_to_tensor_dtype(arr.dtype)
    return onnx.helper.make_tensor_value_info(name, elem, shape)


def _axes_spec(dynamic_axes, name):
    spec = (dynamic_axes or {}).get(name, {})
    if isinstance(spec, (list, tuple)):
        return {int(a): f"{name}_dim{a}" for a in spec}
    return {int(a): str(v) for a, v in spec.items()}


def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None,
           opset_version=17, do_constant_folding=True, verbose=False, **kwargs):
    """Export ``model`` traced on ``args`` to the ONNX file (or binary file object) ``f``.

    Args:
        args: the example input, or a tuple of inputs.
        input_names, output_names: names of the graph's inputs and outputs
            (default input, input.1, ... and output, output.1, ...).
        dynamic_axes: e.g. {"input": {0: "batch"}, "output": {0: "batch"}}: axes that
            may have another size at inference time (shapes baked into reshapes that keep
            the batch axis follow it).
        opset_version: ONNX opset (13 to 20).
        do_constant_folding: accepted for PyTorch compatibility; folding always happens.
    Returns:
        the onnx.ModelProto (also written to ``f``), checked by onnx.checker.
    """
    onnx = _onnx()
    from . import converters  # noqa: F401  (registers the op converters)
    if not 13 <= opset_version <= 20:
        raise ValueError(f"shenjing.onnx.export: opset_version {opset_version} is not "
                         "supported (13 to 20)")
    if not callable(getattr(model, "state_dict", None)) or not hasattr(model, "training"):
        raise TypeError(f"shenjing.onnx.export: model must be a shenjing.nn.Module, "
                        f"got {type(model).__name__}")
    inputs = args if isinstance(args, tuple) else (args,)
    if not inputs or not all(isinstance(a, Tensor) for a in inputs):
        raise TypeError("shenjing.onnx.export: args must be a Tensor or a tuple of Tensors")
    inputs = tuple(Tensor._make(a._data.copy(), None) for a in inputs)  # unique arrays
    input_names = list(input_names or ["input"] + [f"input.{i}" for i in range(1, len(inputs))])
    was_training = model.training
    model.eval()
    try:
        result, records = _trace(model, inputs)
    finally:
        model.train(was_training)
    params = {id(t._data): k for k, t in model.state_dict(keep_vars=True).items()}
    ctx = _Context(onnx, opset_version, params)
    graph_inputs = []
    for name, t in zip(input_names, inputs):
        ctx.used.add(name)
        ctx.dynamic[id(t._data)] = name
        graph_inputs.append(_value_info(onnx, name, t._data, _axes_spec(dynamic_axes, name)))
    for cls, a, kw, outs in records:
        if not any(ctx.is_dynamic(x) for x in list(a) + list(kw.values())):
            continue  # constant folding: the output's value is already known
        convert = CONVERTERS.get(cls.__name__)
        if convert is None:
            raise ExportError(f"shenjing.onnx.export: no ONNX conversion for the op "
                              f"{cls.__name__} (used by {type(model).__name__})")
        ctx.op = cls.__name__
        names = convert(ctx, a, kw, outs)
        names = names if isinstance(names, (list, tuple)) else [names]
        for o, n in zip(outs, names):
            if n is not None:
                ctx.dynamic[id(o._data)] = n
        ctx.keep.append(outs)
    outputs = _flat_tensors(result)
    output_names = list(output_names or ["output"] + [f"output.{i}" for i in range(1, len(outputs))])
    graph_outputs = []
    for name, t in zip(output_names, outputs):
        if not ctx.is_dynamic(t):  # a constant output means the trace lost the input
            raise ExportError(f"shenjing.onnx.export: output {name!r} of {type(model).__name__} "
                              f"does not depend on the input; the forward likely left the "
                              f"traced ops (.numpy(), .item(), .tolist() or a new tensor())")
        ctx.used.add(name)
        ctx.nodes.append(onnx.helper.make_node("Identity", [ctx.name(t)], [name],
                                               name=ctx.fresh(f"{name}_identity")))
        graph_outputs.append(_value_info(onnx, name, t._data, _axes_spec(dynamic_axes, name)))
    graph = onnx.helper.make_graph(ctx.nodes, type(model).__name__, graph_inputs,
                                   graph_outputs, ctx.initializers)
    proto = onnx.helper.make_model(graph, producer_name="shenjing",
                                   opset_imports=[onnx.helper.make_opsetid("", opset_version)])
    proto.ir_version = min(proto.ir_version, 8 if opset_version <= 18 else 9)
    onnx.checker.check_model(proto)
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    data = proto.SerializeToString()
    if hasattr(f, "write"):
        f.write(data)
    else:
        from ..serialization import _atomic_write
        _atomic_write(os.fspath(f), data, "shenjing.onnx.export")  # temp file, then rename: never half-written
    return proto
