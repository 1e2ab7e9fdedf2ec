"""Read PyTorch checkpoints (torch.save) without torch, refusing anything but tensors.

A pickle can name any importable callable and call it while loading, so a downloaded
``.pt`` file can run code. This reader resolves only an allow-list of names (PyTorch's
tensor and parameter rebuilders, its storage types, OrderedDict, a few plain builtins);
any other name stops the load with an error before anything of the file has been run.

Two layouts exist: the zip archive of torch >= 1.6 (``<root>/data.pkl`` whose
persistent ids point at raw storage records ``<root>/data/<key>``) and the older
stream of several pickles followed by the raw bytes of each storage.
"""
import _compat_pickle
import collections
import io
import pickle
import struct
import zipfile

import numpy as np

from .tensor import Tensor

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

# torch storage type name -> NumPy dtype (bfloat16 is read as raw uint16, then widened)
_STORAGES = {
    "DoubleStorage": np.float64, "FloatStorage": np.float32, "HalfStorage": np.float16,
    "BFloat16Storage": "bfloat16", "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
    "BoolStorage": np.bool_, "UntypedStorage": np.uint8,
}


class _StorageType:
    """Stands for ``torch.FloatStorage`` etc. in the pickle: only its dtype matters."""

    def __init__(self, name):
        self.name, self.dtype = name, _STORAGES[name]


class _Storage:
    """A storage's bytes, viewed as a flat array of its dtype."""

    def __init__(self, array):
        self.array = array


def _rebuild_tensor(storage, offset, size, stride, requires_grad=False, hooks=None,
                    metadata=None):
    """Gather ``size``/``stride`` from the flat storage; refuse views outside it."""
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError("tensor without a storage")
    if storage.array is None:  # legacy format: the bytes come after the pickle
        return _Lazy(_rebuild_tensor, (storage, offset, size, stride, requires_grad))
    flat, size, stride = storage.array, tuple(size), tuple(stride)
    if len(size) != len(stride) or offset < 0 or any(s < 0 for s in size + stride):
        raise pickle.UnpicklingError(f"bad tensor layout size={size} stride={stride}")
    last = offset + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else offset
    if all(size) and last >= flat.size:
        raise pickle.UnpicklingError(
            f"tensor of size {size} reaches element {last} of a storage of {flat.size}")
    item = flat.itemsize
    if not all(size):
        arr = np.empty(size, flat.dtype)
    else:
        arr = np.lib.stride_tricks.as_strided(
            flat[offset:], size, tuple(s * item for s in stride), writeable=False).copy()
    t = Tensor._make(arr, None)
    if requires_grad and arr.dtype.kind == "f":
        t.requires_grad_(True)
    return t


def _rebuild_parameter(data, requires_grad, hooks, state=None):
    from .nn.parameter import Parameter
    if isinstance(data, _Lazy):
        return _Lazy(_rebuild_parameter, (data, requires_grad, hooks))
    return Parameter(data, requires_grad=bool(requires_grad) and data.dtype.kind == "f")


def _latin1_encode(text, encoding="latin1"):
    # protocol-2 pickles write bytes as _codecs.encode(str, 'latin1'); nothing else allowed
    if encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"refusing _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


_ALLOWED = {
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch", "Size"): tuple,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("_codecs", "encode"): _latin1_encode,
}


class _Unpickler(pickle.Unpickler):
    """Resolves only allow-listed names; storages come from ``load_storage``."""

    def __init__(self, stream, where, load_storage):
        super().__init__(stream)
        self.where, self.load_storage = where, load_storage

    def find_class(self, module, name):
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)  # protocol 2 names
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module in ("torch", "torch.storage") and name in _STORAGES:
            return _StorageType(name)
        raise pickle.UnpicklingError(
            f"shenjing.load: refusing to unpickle {module}.{name} from {self.where}: "
            "only tensors and plain containers are allowed")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r:.60}")
        if self.load_storage is None:
            raise pickle.UnpicklingError("a tensor storage outside a PyTorch checkpoint")
        return self.load_storage(pid)


def _as_dtype(storage_type, raw):
    """View raw little-endian bytes as the storage's dtype (bfloat16 widened to float32)."""
    if not isinstance(storage_type, _StorageType):
        raise pickle.UnpicklingError(f"bad storage type {storage_type!r:.60}")
    if storage_type.dtype == "bfloat16":
        bits = np.frombuffer(raw, "<u2").astype(np.uint32) << 16
        return bits.view(np.float32)
    dtype = np.dtype(storage_type.dtype).newbyteorder("<")
    if len(raw) % dtype.itemsize:
        raise pickle.UnpicklingError("storage size is not a multiple of its element size")
    return np.frombuffer(raw, dtype).astype(dtype.newbyteorder("="))


def _run(unpickler, where):
    try:
        return unpickler.load()
    except pickle.UnpicklingError as e:
        msg = str(e)
        if msg.startswith("shenjing.load"):
            raise pickle.UnpicklingError(msg) from None
        raise ValueError(f"shenjing.load: can't read {where}: {msg}") from None
    except (EOFError, struct.error, IndexError, KeyError, TypeError, ValueError,
            AttributeError) as e:
        raise ValueError(f"shenjing.load: {where} is truncated or corrupted "
                         f"({type(e).__name__}: {e})") from None


def load_zip(data, where):
    """Load a torch.save zip archive: data.pkl plus one record per storage."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ValueError(f"shenjing.load: {where} is a truncated or corrupted zip ({e})") \
            from None
    pkl = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
    if not pkl:
        raise ValueError(f"shenjing.load: {where} is a zip file but not a PyTorch "
                         "checkpoint (no data.pkl inside)")
    root = pkl[0][: -len("data.pkl")]
    order = archive.read(root + "byteorder").decode() if root + "byteorder" in names \
        else "little"
    if order != "little":
        raise ValueError(f"shenjing.load: {where} was written on a big-endian machine")
    cache = {}

    def load_storage(pid):
        _, storage_type, key, _location, _numel = pid[:5]
        if key not in cache:
            try:
                raw = archive.read(f"{root}data/{key}")
            except (KeyError, zipfile.BadZipFile, OSError) as e:
                raise pickle.UnpicklingError(f"storage record {key} unreadable ({e})")
            cache[key] = _Storage(_as_dtype(storage_type, raw))
        return cache[key]

    try:
        stream = io.BytesIO(archive.read(pkl[0]))
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"shenjing.load: {where} is truncated or corrupted ({e})") from None
    return _run(_Unpickler(stream, where, load_storage), where)


def load_legacy(data, where):
    """Load PyTorch's pre-1.6 stream format; a plain pickle goes through the same gate."""
    stream = io.BytesIO(data)
    first = _run(_Unpickler(stream, where, None), where)
    if first != _LEGACY_MAGIC:  # not a torch checkpoint: a plain pickle, already checked
        return first
    _run(_Unpickler(stream, where, None), where)  # protocol version
    _run(_Unpickler(stream, where, None), where)  # sys_info
    pending = {}

    def load_storage(pid):
        _, storage_type, key, _location, numel = pid[:5]
        if key not in pending:
            pending[key] = (_Storage(None), storage_type)
        return pending[key][0]

    result = _run(_Unpickler(stream, where, load_storage), where)
    keys = _run(_Unpickler(stream, where, None), where)
    for key in keys:  # raw data follows: int64 element count, then the elements
        if key not in pending:
            raise ValueError(f"shenjing.load: {where} is corrupted (storage {key} unknown)")
        storage, storage_type = pending[key]
        head = stream.read(8)
        if len(head) < 8:
            raise ValueError(f"shenjing.load: {where} is truncated")
        count = struct.unpack("<q", head)[0]
        size = 2 if storage_type.dtype == "bfloat16" else np.dtype(storage_type.dtype).itemsize
        raw = stream.read(count * size)
        if len(raw) < count * size:
            raise ValueError(f"shenjing.load: {where} is truncated")
        storage.array = _as_dtype(storage_type, raw)
    return _resolve(result, {})  # build the tensors now that their bytes are known


class _Lazy:
    """A tensor (or parameter) whose storage bytes have not been read yet."""

    def __init__(self, fn, args):
        self.fn, self.args = fn, args


def _resolve(obj, memo):
    if id(obj) in memo:
        return memo[id(obj)]
    if isinstance(obj, _Lazy):
        out = obj.fn(*(_resolve(a, memo) for a in obj.args))
    elif isinstance(obj, dict):
        out = type(obj)((k, _resolve(v, memo)) for k, v in obj.items())
    elif isinstance(obj, (list, tuple)):
        out = type(obj)(_resolve(v, memo) for v in obj)
    else:
        return obj
    memo[id(obj)] = out
    return out
