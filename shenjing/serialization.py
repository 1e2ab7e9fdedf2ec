"""shenjing.save / shenjing.load: checkpoints as safetensors files; PyTorch files read safely.

``save`` writes one safetensors file. Every tensor found in ``obj`` (a state_dict, or a
nested checkpoint of dicts, lists, tuples, numbers, strings and None) becomes a named
tensor of the file; the structure around them is kept as JSON in the file's metadata,
so ``load`` rebuilds the same object (int vs float, tuple vs list, None, key order).
A flat state_dict stores each tensor under its own key, so other tools (for instance
``safetensors.torch.load_file``) read it directly.

``load`` tells formats apart by content: safetensors, PyTorch's zip files and its older
pickle files (read without torch, through an unpickler that only accepts tensors).
"""
import collections
import json
import os
import tempfile

import numpy as np

from .tensor import Tensor

_META_KEY = "shenjing"  # metadata entry holding the structure as JSON
_FORMAT = 1


def _safetensors_numpy():
    try:
        import safetensors.numpy as st
    except ImportError:
        raise ImportError("shenjing.save/load of safetensors files needs the safetensors "
                          "package: pip install safetensors") from None
    return st


# ---------------------------------------------------------------- encoding
class _Encoder:
    """Turn an object into JSON-able structure plus a dict of named arrays."""

    def __init__(self):
        self.arrays = {}
        self.seen = {}  # id(tensor) -> name, so a shared tensor is stored once

    def name_for(self, path):
        name = ".".join(path) or "tensor"
        base, n = name, 1
        while name in self.arrays:
            name, n = f"{base}#{n}", n + 1
        return name

    def encode(self, obj, path):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, float)) and type(obj) in (int, float):
            return obj
        if isinstance(obj, (Tensor, np.ndarray)):
            return self.tensor(obj, path)
        if isinstance(obj, np.generic):
            return {"$np": obj.dtype.str, "v": obj.item()}
        if isinstance(obj, np.dtype):
            return {"$dtype": obj.str}
        if isinstance(obj, (list, tuple, set, frozenset)):
            items = [self.encode(v, path + (str(i),)) for i, v in enumerate(obj)]
            if isinstance(obj, list):
                return items
            tag = "$tuple" if isinstance(obj, tuple) else \
                "$frozenset" if isinstance(obj, frozenset) else "$set"
            return {tag: items}
        if isinstance(obj, dict):
            tag = "$od" if isinstance(obj, collections.OrderedDict) else "$d"
            if all(isinstance(k, str) for k in obj):
                return {tag: {k: self.encode(v, path + (k,)) for k, v in obj.items()}}
            # non-string keys (an optimizer's parameter indices): keep them exactly
            pairs = [[self.encode(k, path + ("key",)), self.encode(v, path + (str(k),))]
                     for k, v in obj.items()]
            return {tag + "pairs": pairs}
        raise TypeError(f"shenjing.save: can't store {type(obj).__name__} at "
                        f"{'.'.join(path) or 'the top level'}; only tensors, arrays, dicts, "
                        "lists, tuples, numbers, strings and None are allowed")

    def tensor(self, obj, path):
        key = id(obj)
        if key in self.seen:
            return {"$t": self.seen[key], "kind": self.kind(obj), **self.extra(obj)}
        arr = obj._data if isinstance(obj, Tensor) else obj
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"shenjing.save: dtype {arr.dtype} at {'.'.join(path)} "
                            "is not supported")
        name = self.name_for(path)
        self.arrays[name] = arr if arr.flags.c_contiguous else arr.copy(order="C")
        self.seen[key] = name
        return {"$t": name, "kind": self.kind(obj), **self.extra(obj)}

    @staticmethod
    def kind(obj):
        from .nn.parameter import Parameter
        if isinstance(obj, Parameter):
            return "parameter"
        return "tensor" if isinstance(obj, Tensor) else "ndarray"

    @staticmethod
    def extra(obj):
        return {"rg": True} if isinstance(obj, Tensor) and obj.requires_grad else {}


def _decode(node, arrays, made):
    if isinstance(node, list):
        return [_decode(v, arrays, made) for v in node]
    if not isinstance(node, dict):
        return node
    if "$t" in node:
        return _tensor(node, arrays, made)
    if "$np" in node:
        return np.dtype(node["$np"]).type(node["v"])
    if "$dtype" in node:
        return np.dtype(node["$dtype"])
    for tag, kind in (("$tuple", tuple), ("$set", set), ("$frozenset", frozenset)):
        if tag in node:
            return kind(_decode(v, arrays, made) for v in node[tag])
    for tag, kind in (("$d", dict), ("$od", collections.OrderedDict)):
        if tag in node:
            return kind((k, _decode(v, arrays, made)) for k, v in node[tag].items())
        if tag + "pairs" in node:
            return kind((_hashable(_decode(k, arrays, made)), _decode(v, arrays, made))
                        for k, v in node[tag + "pairs"])
    raise ValueError(f"unknown entry {sorted(node)[:3]} in the stored structure")


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key


def _tensor(node, arrays, made):
    name = node["$t"]
    if name not in arrays:
        raise ValueError(f"the structure names tensor {name!r}, which the file lacks")
    if name in made:  # a tensor stored once but referenced twice (tied weights)
        return made[name]
    arr = arrays[name]
    if node.get("kind") == "ndarray":
        out = arr
    elif node.get("kind") == "parameter":
        from .nn.parameter import Parameter
        out = Parameter(Tensor._make(arr, None), requires_grad=bool(node.get("rg", True)))
    else:
        out = Tensor._make(arr, None)
        if node.get("rg"):
            out.requires_grad_(True)
    made[name] = out
    return out


# ------------------------------------------------------------------- save
def save(obj, f):
    """Write ``obj`` (state_dict or nested checkpoint) to ``f`` as a safetensors file.

    A path is written atomically: to a temporary file in the same folder, flushed to
    disk, then renamed over ``f``, so an interrupted save never leaves half a file.
    ``f`` may also be a binary file object.
    """
    st = _safetensors_numpy()
    enc = _Encoder()
    structure = enc.encode(obj, ())
    meta = {_META_KEY: json.dumps({"format": _FORMAT, "structure": structure})}
    data = st.save(enc.arrays, metadata=meta)
    if hasattr(f, "write"):
        f.write(data)
        return
    _atomic_write(os.fspath(f), data)


def _atomic_write(path, data, who="shenjing.save"):
    folder = os.path.dirname(os.path.abspath(path))
    # checked first: otherwise the error would name the temporary file, not ``path``
    if os.path.isdir(path):
        raise IsADirectoryError(f"{who}: {path} is a directory; give a file name")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{who}: can't write {path}: the folder {folder} "
                                "does not exist")
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable (not possible on every platform)
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


# ------------------------------------------------------------------- load
def load(f, map_location=None, weights_only=True, **kwargs):
    """Read a file written by ``shenjing.save``, any safetensors file, or a PyTorch file.

    The format is recognised from the bytes, not the name. PyTorch files are unpickled
    with an allow-list (tensors, parameters, plain containers, numbers): anything else,
    such as a function call hidden in the pickle, is refused before it can run.
    ``map_location`` and ``weights_only`` are accepted for PyTorch compatibility.
    """
    if map_location not in (None, "cpu") and str(map_location) != "cpu":
        raise ValueError(f"shenjing.load: map_location={map_location!r}; "
                         "shenjing runs on the CPU only")
    if hasattr(f, "read"):
        data, where = f.read(), getattr(f, "name", "<file object>")
    else:
        where = os.fspath(f)
        if not os.path.exists(where):
            raise FileNotFoundError(f"shenjing.load: {where} does not exist")
        if os.path.isdir(where):
            raise IsADirectoryError(f"shenjing.load: {where} is a directory, not a file")
        with open(where, "rb") as fh:
            data = fh.read()
    kind = sniff(data)
    if kind == "safetensors":
        return _load_safetensors(data, where)
    from . import _pickle_reader
    if kind == "torch-zip":
        return _pickle_reader.load_zip(data, where)
    if kind == "pickle":
        return _pickle_reader.load_legacy(data, where)
    raise ValueError(f"shenjing.load: {where} is neither a safetensors file nor a PyTorch "
                     f"checkpoint (first bytes {data[:8]!r}); is it truncated or corrupted?")


def sniff(data):
    """'safetensors', 'torch-zip', 'pickle' or None, from a file's first bytes."""
    if data[:4] == b"PK\x03\x04":
        return "torch-zip"
    # safetensors: u64 header length (whose first byte may be anything), then JSON
    if len(data) >= 10 and data[8:9] == b"{" and int.from_bytes(data[:8], "little") < 1 << 40:
        return "safetensors"
    if data[:1] == b"\x80":
        return "pickle"  # PyTorch's legacy format, or some other pickle
    return None


def _load_safetensors(data, where):
    header_len = int.from_bytes(data[:8], "little")
    if 8 + header_len > len(data):
        raise ValueError(f"shenjing.load: {where} is truncated: its header announces "
                         f"{header_len} bytes but the file has {len(data)} in all")
    try:
        header = json.loads(data[8:8 + header_len])
    except ValueError as e:
        raise ValueError(f"shenjing.load: {where} has a corrupted safetensors header "
                         f"({e})") from None
    meta = header.get("__metadata__") or {}
    bf16 = [k for k, v in header.items() if isinstance(v, dict) and v.get("dtype") == "BF16"]
    if bf16:
        raise ValueError(f"shenjing.load: {where} holds bfloat16 tensors ({bf16[0]}, ...), "
                         "which NumPy can't represent; convert them to float32 first")
    st = _safetensors_numpy()
    try:
        arrays = st.load(data)
    except Exception as e:  # SafetensorError: sizes or offsets don't fit
        raise ValueError(f"shenjing.load: {where} is truncated or corrupted ({e})") from None
    if _META_KEY not in meta:  # written by another tool: a flat state_dict
        order = sorted(arrays, key=lambda k: header[k]["data_offsets"][0])
        return collections.OrderedDict((k, Tensor._make(arrays[k], None)) for k in order)
    try:
        stored = json.loads(meta[_META_KEY])
        return _decode(stored["structure"], arrays, {})
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"shenjing.load: {where} has a corrupted structure entry "
                         f"({e})") from None
