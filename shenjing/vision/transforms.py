"""Image transforms (torchvision.transforms API): ToTensor, Normalize, Compose, Lambda,
and the geometric/augmentation transforms (Pad, CenterCrop, Resize, RandomCrop,
RandomHorizontalFlip, RandomVerticalFlip, RandomRotation, RandomAffine; see _augment.py).

A transform is called on one sample. Transforms whose ``supports_batch`` is True also
have ``apply_batch(array)``, which takes the samples stacked along a new first axis
(as NumPy arrays) and returns exactly what stacking the per-sample results would give;
datasets use it to build a whole batch at once.
"""
import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor

__all__ = ["Transform", "Compose", "ToTensor", "Normalize", "Lambda", "supports_batch",
           "InterpolationMode", "Pad", "CenterCrop", "Resize", "RandomCrop",
           "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "RandomAffine"]


def supports_batch(transform):
    """True when ``transform`` (or None) can be applied to a whole stacked batch."""
    return transform is None or bool(getattr(transform, "supports_batch", False))


class Transform:
    """Base class: subclasses define __call__ and, if they can, apply_batch."""

    supports_batch = False

    def __call__(self, img):
        raise NotImplementedError

    def apply_batch(self, batch):
        raise NotImplementedError(f"{type(self).__name__} cannot be applied to a whole batch")

    def __repr__(self):
        return f"{type(self).__name__}()"


class Compose(Transform):
    """Apply several transforms one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    @property
    def supports_batch(self):
        return all(supports_batch(t) for t in self.transforms)

    def apply_batch(self, batch):
        for t in self.transforms:
            batch = t.apply_batch(batch)
        return batch

    def __repr__(self):
        lines = "".join(f"    {t}\n" for t in self.transforms)
        return f"{type(self).__name__}(\n{lines})"


def _is_pil_image(obj):
    return type(obj).__module__.startswith("PIL.") and hasattr(obj, "mode")


def _image_array(pic):
    """The pixels of an image given as a Tensor, a NumPy array or a PIL image."""
    if isinstance(pic, Tensor):
        return pic._data
    if isinstance(pic, np.ndarray):
        return pic
    if _is_pil_image(pic):
        if pic.mode == "1":  # 1-bit images come out of NumPy as bools
            return np.asarray(pic, dtype=np.uint8) * np.uint8(255)
        return np.asarray(pic)
    raise TypeError(f"ToTensor: expected a Tensor, a NumPy array or a PIL image, "
                    f"got {type(pic).__name__}")


class ToTensor(Transform):
    """HxW or HxWxC image -> CxHxW tensor; uint8 is scaled to floats in [0, 1].

    Other dtypes keep their values (only the axes move), as in torchvision.
    """

    supports_batch = True

    @staticmethod
    def _scale(arr):
        if arr.dtype == np.uint8:
            dt = get_default_dtype()
            # cast then divide in the float dtype, like torch's img.float().div(255)
            return np.divide(arr, dt.type(255), dtype=dt)
        return np.ascontiguousarray(arr)

    def __call__(self, pic):
        arr = _image_array(pic)
        if arr.ndim == 2:
            arr = arr[None]
        elif arr.ndim == 3:
            arr = arr.transpose(2, 0, 1)
        else:
            raise ValueError(f"ToTensor: expected an image of shape HxW or HxWxC, "
                             f"got shape {tuple(arr.shape)}")
        return Tensor._make(self._scale(arr), None)

    def apply_batch(self, batch):
        batch = np.asarray(batch)
        if batch.ndim == 3:
            batch = batch[:, None]
        elif batch.ndim == 4:
            batch = batch.transpose(0, 3, 1, 2)
        else:
            raise ValueError(f"ToTensor.apply_batch: expected images of shape NxHxW or NxHxWxC, "
                             f"got shape {tuple(batch.shape)}")
        return self._scale(batch)


class Normalize(Transform):
    """(image - mean) / std per channel, for float tensors of shape (..., C, H, W)."""

    supports_batch = True

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace
        try:
            m = np.atleast_1d(np.asarray(mean, dtype=np.float64))
            s = np.atleast_1d(np.asarray(std, dtype=np.float64))
        except (TypeError, ValueError):
            raise TypeError(f"Normalize: mean and std should be numbers or sequences of "
                            f"numbers, got mean={mean!r}, std={std!r}") from None
        if m.ndim != 1 or s.ndim != 1 or not (len(m) and len(s)):
            raise ValueError(f"Normalize: mean and std should be numbers or 1-D sequences, "
                             f"got mean={mean!r}, std={std!r}")
        if (s == 0).any():
            raise ValueError(f"Normalize: std contains a zero ({std!r}), "
                             f"which would divide by zero")
        if not (np.isfinite(m).all() and np.isfinite(s).all()):
            raise ValueError(f"Normalize: mean and std should be finite, "
                             f"got mean={mean!r}, std={std!r}")
        self._m, self._s = m, s

    def _stats(self, shape, dtype, where):
        if len(shape) < 3:
            raise ValueError(f"{where}: expected a tensor image of shape (..., C, H, W), "
                             f"got shape {tuple(shape)}")
        if dtype.kind != "f":
            raise TypeError(f"{where}: expected a floating point tensor, got {dtype} "
                            f"(apply ToTensor first)")
        c = shape[-3]
        for name, v in (("mean", self._m), ("std", self._s)):
            if len(v) not in (1, c):
                raise ValueError(f"{where}: {name} has {len(v)} values but the image has {c} "
                                 f"channel(s) (shape {tuple(shape)}); expected {len(v)} channels "
                                 f"or a single {name} value")
        # like torchvision, the statistics are cast to the image dtype before use
        m = self._m.astype(dtype).reshape(-1, 1, 1)
        s = self._s.astype(dtype).reshape(-1, 1, 1)
        if (s == 0).any():
            raise ValueError(f"{where}: std {self.std!r} becomes zero in {dtype}, "
                             f"which would divide by zero")
        return m, s

    def _apply(self, arr, inplace):
        m, s = self._stats(arr.shape, arr.dtype, "Normalize")
        if inplace:
            np.subtract(arr, m, out=arr)
            np.divide(arr, s, out=arr)
            return arr
        return (arr - m) / s

    def __call__(self, tensor):
        if isinstance(tensor, Tensor):
            if tensor.requires_grad:  # keep the graph: go through differentiable ops
                m, s = self._stats(tensor.shape, tensor.dtype, "Normalize")
                return (tensor - Tensor._make(m, None)) / Tensor._make(s, None)
            out = self._apply(tensor._data, self.inplace)
            return tensor if self.inplace else Tensor._make(out, None)
        if isinstance(tensor, np.ndarray):
            return self._apply(tensor, self.inplace)
        raise TypeError(f"Normalize: expected a Tensor, got {type(tensor).__name__}")

    def apply_batch(self, batch):
        if batch.ndim != 4:
            raise ValueError(f"Normalize.apply_batch: expected a batch of shape (N, C, H, W), "
                             f"got shape {tuple(batch.shape)}")
        return self._apply(batch, False)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda(Transform):
    """Apply a user function to each sample."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: argument should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)


# the geometric transforms subclass Transform, so they are imported once it exists
from ._augment import (CenterCrop, InterpolationMode, Pad, RandomAffine,  # noqa: E402
                       RandomCrop, RandomHorizontalFlip, RandomRotation, RandomVerticalFlip,
                       Resize)
