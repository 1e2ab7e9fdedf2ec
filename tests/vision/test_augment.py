"""Augmentation and geometric transforms: layouts, randomness, batch == per-sample, errors."""
import numpy as np
import pytest

import shenjing
from shenjing.utils.data import DataLoader
from shenjing.vision import datasets
from shenjing.vision import transforms as T

rng = np.random.default_rng(0)
GRAY = rng.integers(0, 256, (7, 9), dtype=np.uint8)            # HxW
COLOR = rng.integers(0, 256, (7, 9, 3), dtype=np.uint8)        # HxWxC
FLOAT = rng.random((2, 7, 9)).astype(np.float32)               # CxHxW (after ToTensor)
BATCH = rng.integers(0, 256, (6, 10, 10), dtype=np.uint8)

RANDOM = [
    T.RandomCrop(6, padding=2),
    T.RandomCrop((5, 8), padding=(1, 2, 3, 0), padding_mode="reflect"),
    T.RandomHorizontalFlip(),
    T.RandomVerticalFlip(0.3),
    T.RandomRotation(30),
    T.RandomRotation((-20, 40), interpolation="bilinear", fill=17),
    T.RandomAffine(10, translate=(0.2, 0.1)),
    T.RandomAffine((-30, 30), translate=(0.1, 0.3), scale=(0.8, 1.2), shear=(-5, 5, -10, 10),
                   interpolation=T.InterpolationMode.BILINEAR, fill=3),
]
DETERMINISTIC = [T.Pad(2), T.Pad((1, 2, 3, 4), padding_mode="symmetric"), T.CenterCrop(5),
                 T.CenterCrop((9, 12)), T.Resize(14), T.Resize((4, 5), "nearest")]


def stack_seq(tf, images):
    return np.stack([tf(img) for img in images])


@pytest.mark.parametrize("tf", RANDOM + DETERMINISTIC, ids=repr)
@pytest.mark.parametrize("img", [GRAY, COLOR, FLOAT], ids=["HxW", "HxWxC", "CxHxW"])
def test_layout_dtype_and_type_kept(tf, img):
    out = tf(img)
    assert isinstance(out, np.ndarray) and out.dtype == img.dtype
    spatial = (0, 1) if img.dtype == np.uint8 else (1, 2)
    other = [d for i, d in enumerate(img.shape) if i not in spatial]
    assert [d for i, d in enumerate(out.shape) if i not in spatial] == other
    t_out = tf(shenjing.from_numpy(img))
    assert isinstance(t_out, shenjing.Tensor) and t_out.shape == out.shape
    if img.dtype != np.uint8 or getattr(tf, "fill", 0) != 0:  # fill is in input units
        return
    # after ToTensor is the same as before it
    shenjing.manual_seed(3)
    before = T.ToTensor()(tf(img)).numpy()
    shenjing.manual_seed(3)
    after = tf(T.ToTensor()(img)).numpy()
    np.testing.assert_allclose(before, after, atol=0.5 / 255 + 1e-6)


@pytest.mark.parametrize("tf", RANDOM, ids=repr)
def test_seeded_and_batch_draws_like_per_sample(tf):
    shenjing.manual_seed(0)
    seq = stack_seq(tf, BATCH)
    shenjing.manual_seed(0)
    np.testing.assert_array_equal(stack_seq(tf, BATCH), seq)
    shenjing.manual_seed(0)
    np.testing.assert_array_equal(tf.apply_batch(BATCH), seq)  # same numbers, same order
    shenjing.manual_seed(0)
    batched_tensor = tf.apply_batch(shenjing.from_numpy(BATCH))
    np.testing.assert_array_equal(batched_tensor.numpy(), seq)


@pytest.mark.parametrize("tf", RANDOM, ids=repr)
def test_injected_params_batch_equals_per_sample(tf):
    images = rng.random((5, 3, 10, 10)).astype(np.float32)
    params = tf.draw_params(5, (10, 10))
    batched = tf.apply_batch(images, params)
    for i, img in enumerate(images):
        one = tf.apply_sample(img, {k: v[i] for k, v in params.items()})
        np.testing.assert_array_equal(batched[i], one)
    shenjing.manual_seed(1)
    a = tf.apply_batch(images)
    shenjing.manual_seed(2)
    b = tf.apply_batch(images)
    if not isinstance(tf, T.RandomVerticalFlip):  # p=0.3 may flip none of 5 both times
        assert not np.array_equal(a, b)


@pytest.mark.parametrize("tf", DETERMINISTIC, ids=repr)
def test_deterministic_batch_equals_per_sample(tf):
    np.testing.assert_array_equal(tf.apply_batch(BATCH), stack_seq(tf, BATCH))


def test_crop_offsets_cover_the_range_uniformly():
    shenjing.manual_seed(0)
    p = T.RandomCrop(24, padding=1).draw_params(6000, (28, 28))  # offsets 0..6
    for k in ("top", "left"):
        counts = np.bincount(p[k], minlength=7)
        assert len(counts) == 7 and counts.min() > 700 and counts.max() < 1015
    img = np.arange(28 * 28, dtype=np.int32).reshape(28, 28).astype(np.uint8)
    padded = np.pad(img, 1)
    out = T.RandomCrop(24, padding=1).apply_batch(np.stack([img] * 3),
                                                  {"top": np.array([0, 6, 3]),
                                                   "left": np.array([6, 0, 2])})
    for o, (t, l) in zip(out, [(0, 6), (6, 0), (3, 2)]):
        np.testing.assert_array_equal(o, padded[t:t + 24, l:l + 24])


def test_flip_probability():
    shenjing.manual_seed(0)
    flips = T.RandomHorizontalFlip(0.25).draw_params(8000, (5, 5))["flip"]
    assert abs(flips.mean() - 0.25) < 0.02
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(COLOR), COLOR[:, ::-1])
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(FLOAT), FLOAT[:, ::-1])


@pytest.mark.parametrize("img", [GRAY[:7, :7], COLOR[:7, :7], FLOAT[:, :6, :6]])
def test_rotation_by_90_is_rot90(img):
    axes = (0, 1) if img.dtype == np.uint8 else (1, 2)
    for k in (1, 2, 3, -1):
        out = T.RandomRotation((90 * k, 90 * k))(img)
        np.testing.assert_array_equal(out, np.rot90(img, k, axes=axes))
    # any shape turns exactly by 180 degrees about its centre
    np.testing.assert_array_equal(T.RandomRotation((180, 180))(GRAY), np.rot90(GRAY, 2))


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_identity_parameters_give_identity(mode):
    for img in (GRAY, COLOR, FLOAT):
        np.testing.assert_array_equal(T.RandomAffine(0, interpolation=mode)(img), img)
        np.testing.assert_array_equal(T.RandomRotation(0, interpolation=mode)(img), img)
        np.testing.assert_array_equal(T.RandomAffine(0, translate=(0, 0), scale=(1, 1),
                                                     shear=0, interpolation=mode)(img), img)
    np.testing.assert_array_equal(T.RandomCrop((7, 9))(GRAY), GRAY)
    np.testing.assert_array_equal(T.Resize((7, 9))(COLOR), COLOR)
    np.testing.assert_array_equal(T.CenterCrop((7, 9))(GRAY), GRAY)


def test_affine_translation_shifts_and_fills():
    tf = T.RandomAffine(0, translate=(0.5, 0.5), fill=99)
    out = tf.apply_sample(GRAY, {"angle": 0.0, "translate": [2, -1], "scale": 1.0,
                                 "shear": [0.0, 0.0]})
    want = np.full_like(GRAY, 99)
    want[:-1, 2:] = GRAY[1:, :-2]  # moved 2 right and 1 up
    np.testing.assert_array_equal(out, want)
    shenjing.manual_seed(0)
    t = tf.draw_params(4000, (7, 9))["translate"]
    assert t[:, 0].min() == -4 and t[:, 0].max() == 4  # 0.5 * 9 = 4.5 pixels at most
    assert t[:, 1].min() == -3 and t[:, 1].max() == 3  # 0.5 * 7 = 3.5
    assert np.array_equal(t, np.rint(t))


def test_affine_matches_pointwise_reference():
    """Scale and shear against a per-pixel inverse of the documented forward map."""
    img = rng.integers(1, 256, (11, 11), dtype=np.uint8)
    p = {"angle": 20.0, "translate": [1, -2], "scale": 1.3, "shear": [15.0, -8.0]}
    out = T.RandomAffine(0, fill=0).apply_sample(img, p)
    a, sx, sy = np.radians([p["angle"], *p["shear"]])
    fwd = 1.3 * (np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
                 @ np.array([[1, 0], [-np.tan(sy), 1]]) @ np.array([[1, -np.tan(sx)], [0, 1]]))
    c = np.array([5.0, 5.0])
    for y in range(11):
        for x in range(11):
            src = c + np.linalg.solve(fwd, np.array([x, y]) - c - [1, -2])
            j, i = np.rint(src).astype(int)
            want = img[i, j] if 0 <= i < 11 and 0 <= j < 11 else 0
            assert out[y, x] == want, (y, x)


def test_pad_and_center_crop_reference():
    for mode in ("constant", "edge", "reflect", "symmetric"):
        out = T.Pad((1, 2, 3, 4), padding_mode=mode)(COLOR)
        np.testing.assert_array_equal(out, np.pad(COLOR, ((2, 4), (1, 3), (0, 0)), mode=mode))
    np.testing.assert_array_equal(T.Pad(1, fill=(1, 2, 3))(COLOR)[0, 0], [1, 2, 3])
    np.testing.assert_array_equal(T.CenterCrop(3)(GRAY), GRAY[2:5, 3:6])
    big = T.CenterCrop((9, 12))(GRAY)  # padded with zeros, split like torchvision
    np.testing.assert_array_equal(big, np.pad(GRAY, ((1, 1), (1, 2))))


def test_resize_sizes():
    img = np.zeros((28, 56), np.uint8)
    assert T.Resize(14)(img).shape == (14, 28)
    assert T.Resize([14])(img.T).shape == (28, 14)
    assert T.Resize(14, max_size=20)(img).shape == (10, 20)
    assert T.Resize((5, 6))(FLOAT).shape == (2, 5, 6)
    up = T.Resize(28)(np.full((8, 8), 200, np.uint8))
    assert up.dtype == np.uint8 and (up == 200).all()


def test_resize_and_bilinear_warp_like_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = rng.random((2, 3, 9, 9)).astype(np.float32)
    for size in [(4, 6), (13, 20)]:
        for aa in (False, True):
            ref = F.interpolate(torch.from_numpy(x), size=size, mode="bilinear",
                                align_corners=False, antialias=aa).numpy()
            np.testing.assert_allclose(T.Resize(size, antialias=aa).apply_batch(x), ref,
                                       atol=1e-6)
    ref = F.interpolate(torch.from_numpy(x), size=(4, 6), mode="nearest").numpy()
    np.testing.assert_array_equal(T.Resize((4, 6), "nearest").apply_batch(x), ref)
    # rotation by 30 degrees (counter-clockwise) with zero fill == grid_sample, zero padding
    out = T.RandomRotation((30, 30), interpolation="bilinear").apply_batch(x)
    a = np.radians(30)
    # the grid maps output to input points: the inverse turn, clockwise on screen (y down)
    theta = torch.tensor([[[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0]]] * 2,
                         dtype=torch.float32)
    grid = F.affine_grid(theta, (2, 3, 9, 9), align_corners=False)
    ref = F.grid_sample(torch.from_numpy(x), grid, align_corners=False).numpy()
    np.testing.assert_allclose(out, ref, atol=1e-5)


def test_dataloader_fast_path_with_augmentation():
    aug = [T.RandomAffine(10, translate=(0.1, 0.1)), T.ToTensor(), T.Normalize((0.3,), (0.3,))]
    fast = T.Compose(aug)
    slow = T.Compose(aug + [T.Lambda(lambda t: t)])  # a Lambda turns the fast path off
    assert fast.supports_batch and not slow.supports_batch
    ds = datasets.Digits(train=False, transform=fast)
    assert ds._get_batch(np.arange(4)) is not NotImplemented
    shenjing.manual_seed(0)
    x_fast, y_fast = next(iter(DataLoader(ds, batch_size=32)))
    ds.transform = slow
    shenjing.manual_seed(0)
    x_slow, y_slow = next(iter(DataLoader(ds, batch_size=32)))
    assert x_fast.shape == (32, 1, 8, 8) and x_fast.dtype == shenjing.float32
    np.testing.assert_array_equal(x_fast.numpy(), x_slow.numpy())
    np.testing.assert_array_equal(y_fast.numpy(), y_slow.numpy())


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"RandomCrop: size should be positive, got \(-3, -3\)"):
        T.RandomCrop(-3)
    with pytest.raises(ValueError, match=r"RandomCrop: crop size \(32, 32\) is larger than "
                                         r"the image size \(28, 28\)"):
        T.RandomCrop(32)(np.zeros((28, 28), np.uint8))
    with pytest.raises(ValueError, match=r"\(28, 28\) \(padded to \(30, 30\)\)"):
        T.RandomCrop(32, padding=1).apply_batch(np.zeros((2, 28, 28), np.uint8))
    assert T.RandomCrop(32, pad_if_needed=True)(np.zeros((28, 30), np.uint8)).shape == (32, 32)
    with pytest.raises(TypeError, match="RandomCrop: size"):
        T.RandomCrop("5")
    with pytest.raises(ValueError, match="Pad: padding should be non-negative"):
        T.Pad(-1)
    with pytest.raises(ValueError, match="padding_mode"):
        T.RandomCrop(3, padding=1, padding_mode="wrap")
    with pytest.raises(ValueError, match="RandomRotation: .*degrees.*non-negative"):
        T.RandomRotation(-5)
    with pytest.raises(ValueError, match="RandomRotation: expand=True"):
        T.RandomRotation(5, expand=True)
    with pytest.raises(ValueError, match="RandomAffine: translate"):
        T.RandomAffine(0, translate=(0.5, 1.5))
    with pytest.raises(ValueError, match="RandomAffine: scale"):
        T.RandomAffine(0, scale=(0, 1))
    with pytest.raises(ValueError, match="RandomAffine: interpolation"):
        T.RandomAffine(0, interpolation="bicubic")
    with pytest.raises(ValueError, match="RandomHorizontalFlip: p"):
        T.RandomHorizontalFlip(1.5)
    with pytest.raises(ValueError, match="RandomRotation: fill has 2 values but the image "
                                         "has 3 channel"):
        T.RandomRotation(5, fill=(1, 2))(COLOR)
    with pytest.raises(ValueError, match=r"RandomAffine: expected HxW or HxWxC .* got uint8 "
                                         r"of shape \(2, 3, 4, 5\)"):
        T.RandomAffine(5)(np.zeros((2, 3, 4, 5), np.uint8))
    with pytest.raises(TypeError, match="Resize: expected a Tensor"):
        T.Resize(5)([[1, 2]])


def test_nan_degrees_and_empty_images_are_rejected():
    """Bug: RandomRotation(nan) warped every image to garbage with a cast warning, and
    empty images failed deep in a reshape (or with ZeroDivisionError in Resize)."""
    with pytest.raises(ValueError, match="RandomRotation: degrees should be finite"):
        T.RandomRotation(float("nan"))
    with pytest.raises(ValueError, match="RandomAffine: degrees should be finite"):
        T.RandomAffine((0, float("inf")))
    with pytest.raises(ValueError, match=r"Resize: expected a non-empty image, got shape \(0, 0\)"):
        T.Resize(4)(np.zeros((0, 0), np.uint8))
    with pytest.raises(ValueError, match=r"Pad: expected a non-empty image, got shape \(3, 0, 5\)"):
        T.Pad(1)(np.zeros((3, 0, 5), np.float32))


def test_repr():
    tf = T.Compose([T.RandomCrop(28, padding=2), T.RandomRotation(10), T.ToTensor()])
    assert "RandomCrop(size=(28, 28), padding=2" in repr(tf)
    assert "interpolation=InterpolationMode.NEAREST" in repr(tf)
