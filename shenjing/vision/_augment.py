"""Geometric and augmentation transforms (torchvision names and arguments), pure NumPy.

They take what ToTensor takes or what it gives, so they go before or after it in a
Compose: integer (uint8) images HxW or HxWxC, or float tensors (..., C, H, W); the
output has the input's layout, dtype and type (Tensor in, Tensor out; a PIL image
comes back as a NumPy array). Each one works on a whole batch too (``apply_batch``),
drawing the random parameters of every sample independently but resampling the batch
in one vectorised step, which keeps the DataLoader's batched fast path.

Randomness comes from shenjing's global generator, so ``shenjing.manual_seed`` repeats
it. A transform draws all the numbers of one sample in a row, so applying it to a
batch draws the same parameters as applying it to the samples one by one. The
parameters can also be drawn (``draw_params``) and passed in explicitly.
"""
import enum
import numbers

import numpy as np

from ..random import _gen
from ..tensor import Tensor
from . import _geometry as G
from .transforms import Transform

__all__ = ["InterpolationMode", "Pad", "CenterCrop", "Resize", "RandomCrop",
           "RandomHorizontalFlip", "RandomVerticalFlip", "RandomRotation", "RandomAffine"]


class InterpolationMode(str, enum.Enum):
    """How pixels between grid points are computed (the modes shenjing implements)."""

    NEAREST = "nearest"
    BILINEAR = "bilinear"

    def __repr__(self):
        return f"InterpolationMode.{self.name}"


def _interpolation(mode, where):
    try:
        return InterpolationMode(getattr(mode, "value", mode)).value
    except ValueError:
        raise ValueError(f"{where}: interpolation should be 'nearest' or 'bilinear', "
                         f"got {mode!r}") from None


def _centre(center, h, w):
    """Rotation centre in pixel-index coordinates; ``center`` is (x, y) on pixel edges."""
    if center is None:
        return ((w - 1) / 2.0, (h - 1) / 2.0)
    return (float(center[0]) - 0.5, float(center[1]) - 0.5)


class _Spatial(Transform):
    """Base of these transforms: one batched kernel (``_apply`` on (N, H, W, C) arrays)
    serves both a single sample (a batch of one) and a whole batch."""

    supports_batch = True
    _fields = ()

    def draw_params(self, n, image_size):
        """Random parameters of ``n`` samples of size (H, W): a dict of arrays of length n."""
        return {}

    def _apply(self, x, params):
        raise NotImplementedError

    def apply_batch(self, batch, params=None):
        """Transform a stacked batch (NxHxW, NxHxWxC or Nx(..., C, H, W)) in one go."""
        name = type(self).__name__
        arr = batch._data if isinstance(batch, Tensor) else np.asarray(batch)
        if arr.ndim < 3:
            raise ValueError(f"{name}.apply_batch: expected a stacked batch of images, got "
                             f"shape {tuple(arr.shape)}")
        x, restore = G.to_nhwc(arr, f"{name}.apply_batch")
        if params is None:
            params = self.draw_params(len(x), x.shape[1:3])
        out = restore(self._apply(x, params))
        return Tensor._make(out, None) if isinstance(batch, Tensor) else out

    def apply_sample(self, img, params=None):
        """Transform one image with the given parameters (one sample's values) or new ones."""
        name = type(self).__name__
        if isinstance(img, Tensor):
            arr = img._data
        elif isinstance(img, np.ndarray) or type(img).__module__.startswith("PIL."):
            arr = np.asarray(img)
        else:
            raise TypeError(f"{name}: expected a Tensor, a NumPy array or a PIL image, "
                            f"got {type(img).__name__}")
        if arr.ndim < 2:
            raise ValueError(f"{name}: expected an image HxW or HxWxC, or a tensor "
                             f"(..., C, H, W), got shape {tuple(arr.shape)}")
        x, restore = G.to_nhwc(arr[None], name, batched=False)
        if params is None:
            params = self.draw_params(1, x.shape[1:3])
        else:
            params = {k: np.asarray(v)[None] for k, v in params.items()}
        out = restore(self._apply(x, params))[0]
        return Tensor._make(out, None) if isinstance(img, Tensor) else out

    def __call__(self, img):
        return self.apply_sample(img)

    def __repr__(self):
        args = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._fields)
        return f"{type(self).__name__}({args})"


class Pad(_Spatial):
    """Pad every side: ``padding`` p, (left/right, top/bottom) or (left, top, right, bottom)."""

    _fields = ("padding", "fill", "padding_mode")

    def __init__(self, padding, fill=0, padding_mode="constant"):
        self._ltrb = G.padding_ltrb(padding, "Pad")
        if padding_mode not in G.PAD_MODES:
            raise ValueError(f"Pad: padding_mode should be one of {G.PAD_MODES}, "
                             f"got {padding_mode!r}")
        self.padding, self.padding_mode = padding, padding_mode
        self.fill = G.check_fill(fill, "Pad")

    def _apply(self, x, params):
        return G.pad(x, self._ltrb, self.padding_mode, self.fill, "Pad")


class CenterCrop(_Spatial):
    """Crop the centre ``size`` (h, w); an image smaller than that is padded with zeros."""

    _fields = ("size",)

    def __init__(self, size):
        self.size = G.size_pair(size, "CenterCrop")

    def _apply(self, x, params):
        (th, tw), h, w = self.size, x.shape[1], x.shape[2]
        if th > h or tw > w:  # torchvision pads first, splitting the excess
            dh, dw = max(th - h, 0), max(tw - w, 0)
            x = G.pad(x, (dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2), where="CenterCrop")
            h, w = x.shape[1:3]
        top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
        return x[:, top:top + th, left:left + tw].copy()


class Resize(_Spatial):
    """Resize to ``size`` (h, w), or so that the smaller edge is ``size`` (an int).

    Bilinear uses pixel centres (align_corners=False); with ``antialias`` shrinking
    averages every input pixel an output pixel covers (torch's antialias=True), which
    matters when predicting on large real photos. ``max_size`` caps the longer edge.
    """

    _fields = ("size", "interpolation", "max_size", "antialias")

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias=True):
        if isinstance(size, numbers.Integral) or (isinstance(size, (tuple, list))
                                                  and len(size) == 1):
            self._edge = G.size_pair(size, "Resize")[0]
        else:
            self._edge = None
            G.size_pair(size, "Resize")
            if max_size is not None:
                raise ValueError(f"Resize: max_size is only allowed when size is an int (the "
                                 f"smaller edge), got size={size!r}")
        if max_size is not None and max_size <= self._edge:
            raise ValueError(f"Resize: max_size ({max_size}) should be larger than the "
                             f"requested smaller edge ({self._edge})")
        self.size, self.max_size, self.antialias = size, max_size, bool(antialias)
        self.interpolation = InterpolationMode(_interpolation(interpolation, "Resize"))

    def output_size(self, h, w):
        """The (height, width) an image of size (h, w) is resized to."""
        if self._edge is None:
            return G.size_pair(self.size, "Resize")
        short, long = (h, w) if h <= w else (w, h)
        new_short, new_long = self._edge, int(self._edge * long / short)
        if self.max_size is not None and new_long > self.max_size:
            new_short, new_long = int(self.max_size * new_short / new_long), self.max_size
        return (new_short, new_long) if h <= w else (new_long, new_short)

    def _apply(self, x, params):
        size = self.output_size(*x.shape[1:3])
        if size == tuple(x.shape[1:3]):
            return x.copy()
        return G.resize(x, size, self.interpolation.value, self.antialias)


class RandomCrop(_Spatial):
    """Crop ``size`` (h, w) at a random place, after optional ``padding``.

    With ``pad_if_needed`` an image smaller than the crop is padded on both sides by
    the missing amount first; otherwise that is an error.
    """

    _fields = ("size", "padding", "pad_if_needed", "fill", "padding_mode")

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = G.size_pair(size, "RandomCrop")
        self._ltrb = (0, 0, 0, 0) if padding is None else G.padding_ltrb(padding, "RandomCrop")
        if padding_mode not in G.PAD_MODES:
            raise ValueError(f"RandomCrop: padding_mode should be one of {G.PAD_MODES}, "
                             f"got {padding_mode!r}")
        self.padding, self.pad_if_needed = padding, bool(pad_if_needed)
        self.fill, self.padding_mode = G.check_fill(fill, "RandomCrop"), padding_mode

    def _padding(self, h, w):
        """(left, top, right, bottom) padding for an image (h, w), and the padded size."""
        left, top, right, bottom = self._ltrb
        ph, pw = h + top + bottom, w + left + right
        th, tw = self.size
        if self.pad_if_needed and ph < th:
            top, bottom, ph = top + th - ph, bottom + th - ph, ph + 2 * (th - ph)
        if self.pad_if_needed and pw < tw:
            left, right, pw = left + tw - pw, right + tw - pw, pw + 2 * (tw - pw)
        if ph < th or pw < tw:
            padded = f" (padded to {(ph, pw)})" if (ph, pw) != (h, w) else ""
            raise ValueError(f"RandomCrop: crop size {self.size} is larger than the image size "
                             f"{(h, w)}{padded}; use pad_if_needed=True or a larger padding")
        return (left, top, right, bottom), (ph, pw)

    def draw_params(self, n, image_size):
        _, (ph, pw) = self._padding(*image_size)
        u = _gen().random((n, 2))
        top = np.floor(u[:, 0] * (ph - self.size[0] + 1)).astype(np.intp)
        left = np.floor(u[:, 1] * (pw - self.size[1] + 1)).astype(np.intp)
        return {"top": top, "left": left}

    def _apply(self, x, params):
        ltrb, (ph, pw) = self._padding(*x.shape[1:3])
        top, left = np.asarray(params["top"]), np.asarray(params["left"])
        if (top < 0).any() or (left < 0).any() or (top > ph - self.size[0]).any() \
                or (left > pw - self.size[1]).any():
            raise ValueError(f"RandomCrop: crop offsets must lie in [0, {ph - self.size[0]}] "
                             f"x [0, {pw - self.size[1]}] for a padded image {(ph, pw)}")
        x = G.pad(x, ltrb, self.padding_mode, self.fill, "RandomCrop")
        return G.crop(x, top, left, *self.size)


class RandomHorizontalFlip(_Spatial):
    """Mirror left-right with probability ``p``."""

    _fields = ("p",)
    _axis = 2  # W in (N, H, W, C)

    def __init__(self, p=0.5):
        if not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p should be a probability in [0, 1], "
                             f"got {p!r}")
        self.p = p

    def draw_params(self, n, image_size):
        return {"flip": _gen().random(n) < self.p}

    def _apply(self, x, params):
        flip = np.asarray(params["flip"], bool)
        out = x.copy()
        out[flip] = np.flip(x[flip], axis=self._axis)
        return out


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror top-bottom with probability ``p``."""

    _axis = 1


class RandomRotation(_Spatial):
    """Rotate counter-clockwise by an angle drawn from ``degrees`` (d -> (-d, d)).

    The image keeps its size (``expand`` is not supported); uncovered pixels take
    ``fill``. ``center`` is (x, y) in pixel-edge coordinates, the image centre by default.
    """

    _fields = ("degrees", "interpolation", "center", "fill")

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False,
                 center=None, fill=0):
        self.degrees = G.value_range(degrees, "RandomRotation", "degrees")
        self.interpolation = InterpolationMode(_interpolation(interpolation, "RandomRotation"))
        if expand:
            raise ValueError("RandomRotation: expand=True is not supported (it gives each "
                             "sample a different size)")
        self.expand, self.center = False, center
        self.fill = G.check_fill(fill, "RandomRotation")

    def draw_params(self, n, image_size):
        lo, hi = self.degrees
        return {"angle": lo + (hi - lo) * _gen().random(n)}

    def _apply(self, x, params):
        angle = np.asarray(params["angle"], np.float64)
        c = _centre(self.center, *x.shape[1:3])
        # counter-clockwise on screen is a negative angle in the y-down affine convention
        inv = G.affine_inverse(-angle, 0.0, 0.0, 1.0, 0.0, 0.0, c)
        return G.warp(x, inv, self.interpolation.value, self.fill, "RandomRotation")


class RandomAffine(_Spatial):
    """Random rotation, translation, scale and shear about the centre, as torchvision.

    angle ~ U(degrees) (clockwise, as torchvision's affine); translation in whole pixels,
    round(U(-a*W, a*W)) and round(U(-b*H, b*H)) for ``translate`` = (a, b); scale ~ U(scale);
    ``shear`` s -> x-shear in U(-s, s), (lo, hi) -> x-shear, (x_lo, x_hi, y_lo, y_hi) ->
    both. Uncovered pixels take ``fill``.
    """

    _fields = ("degrees", "translate", "scale", "shear", "interpolation", "fill", "center")

    def __init__(self, degrees, translate=None, scale=None, shear=None,
                 interpolation=InterpolationMode.NEAREST, fill=0, center=None):
        where = "RandomAffine"
        self.degrees = G.value_range(degrees, where, "degrees")
        if translate is not None:
            if not isinstance(translate, (tuple, list)) or len(translate) != 2 or \
                    not all(isinstance(t, numbers.Real) and 0.0 <= t <= 1.0 for t in translate):
                raise ValueError(f"{where}: translate should be a pair of fractions in [0, 1], "
                                 f"got {translate!r}")
        self.translate = translate
        self.scale = None if scale is None else G.value_range(scale, where, "scale", True)
        self.shear = None
        if shear is not None:
            if isinstance(shear, (tuple, list)) and len(shear) == 4:
                self.shear = (G.value_range(shear[:2], where, "shear")
                              + G.value_range(shear[2:], where, "shear"))
            else:
                self.shear = G.value_range(shear, where, "shear")
        self.interpolation = InterpolationMode(_interpolation(interpolation, where))
        self.fill, self.center = G.check_fill(fill, where), center

    def draw_params(self, n, image_size):
        h, w = image_size
        cols = 1 + 2 * (self.translate is not None) + (self.scale is not None) + \
            (0 if self.shear is None else len(self.shear) // 2)
        u = iter(_gen().random((n, cols)).T)  # one row of numbers per sample

        def uniform(lo, hi):
            return lo + (hi - lo) * next(u)
        p = {"angle": uniform(*self.degrees), "translate": np.zeros((n, 2)),
             "scale": np.ones(n), "shear": np.zeros((n, 2))}
        if self.translate is not None:
            dx, dy = self.translate[0] * w, self.translate[1] * h
            p["translate"] = np.rint(np.stack([uniform(-dx, dx), uniform(-dy, dy)], axis=1))
        if self.scale is not None:
            p["scale"] = uniform(*self.scale)
        if self.shear is not None:
            p["shear"][:, 0] = uniform(*self.shear[:2])
            if len(self.shear) == 4:
                p["shear"][:, 1] = uniform(*self.shear[2:])
        return p

    def _apply(self, x, params):
        t = np.asarray(params["translate"], np.float64).reshape(-1, 2)
        sh = np.asarray(params["shear"], np.float64).reshape(-1, 2)
        c = _centre(self.center, *x.shape[1:3])
        inv = G.affine_inverse(np.asarray(params["angle"], np.float64), t[:, 0], t[:, 1],
                               np.asarray(params["scale"], np.float64), sh[:, 0], sh[:, 1], c)
        return G.warp(x, inv, self.interpolation.value, self.fill, "RandomAffine")
