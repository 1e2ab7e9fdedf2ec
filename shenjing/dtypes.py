"""Data types. shenjing's dtypes are NumPy's, under PyTorch's names."""
import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)

_default_float = float32


def get_default_dtype():
    return _default_float


def set_default_dtype(dtype):
    """Set the dtype of tensors created from Python floats (float32 or float64)."""
    global _default_float
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}")
    _default_float = dtype


def is_floating_point_dtype(dtype):
    return np.dtype(dtype).kind == "f"


def to_dtype(dtype):
    """Accept a NumPy dtype, a Python type or a name; return a NumPy dtype."""
    if dtype is None:
        return None
    if dtype is builtins_float:
        return _default_float
    if dtype is builtins_int:
        return int64
    if dtype is builtins_bool:
        return bool
    return np.dtype(dtype)


import builtins as _b  # noqa: E402

builtins_float, builtins_int, builtins_bool = _b.float, _b.int, _b.bool
