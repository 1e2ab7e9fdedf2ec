"""Digits: scikit-learn's bundled 8x8 handwritten digits, shaped like MNIST (offline fallback)."""
import numpy as np

from .mnist import MNIST, _ImageDataset

__all__ = ["Digits"]


class Digits(_ImageDataset):
    """1,797 8x8 digit images from scikit-learn with MNIST's interface.

    Pixels (0..16 in scikit-learn) are stored as uint8 scaled by 255/16, so ToTensor gives
    values in [0, 1]. The split is fixed: every fifth image (index % 5 == 4) is a test image.
    ``root`` and ``download`` are accepted for compatibility and unused (the data ships
    with scikit-learn).
    """

    classes = MNIST.classes

    def __init__(self, root=None, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform, target_transform)
        self.train = train
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ImportError("Digits needs scikit-learn: pip install scikit-learn") from None
        bunch = load_digits()
        images = np.rint(bunch.images * (255 / 16)).astype(np.uint8)
        labels = np.asarray(bunch.target, dtype=np.int64)
        keep = (np.arange(len(labels)) % 5 == 4) != bool(train)
        self._set_arrays(np.ascontiguousarray(images[keep]), labels[keep])
