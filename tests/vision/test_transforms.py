"""shenjing.vision.transforms against torchvision's definitions (computed by hand)."""
import numpy as np
import pytest

import shenjing
from shenjing.vision import transforms as T

rng = np.random.default_rng(0)
IMG = rng.integers(0, 256, size=(5, 4), dtype=np.uint8)
IMG_HWC = rng.integers(0, 256, size=(5, 4, 3), dtype=np.uint8)


def test_to_tensor_uint8_gray_and_color():
    out = T.ToTensor()(IMG)
    assert isinstance(out, shenjing.Tensor)
    assert out.shape == (1, 5, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy()[0], IMG.astype(np.float32) / np.float32(255))
    out = T.ToTensor()(IMG_HWC)
    assert out.shape == (3, 5, 4)
    np.testing.assert_array_equal(out.numpy(), IMG_HWC.transpose(2, 0, 1) / np.float32(255))
    assert float(T.ToTensor()(np.full((2, 2), 255, np.uint8)).max()) == 1.0


def test_to_tensor_accepts_tensor_images():
    out = T.ToTensor()(shenjing.from_numpy(IMG))
    np.testing.assert_array_equal(out.numpy(), T.ToTensor()(IMG).numpy())


def test_to_tensor_float_passes_unscaled():
    img = rng.random((5, 4, 2))
    out = T.ToTensor()(img)
    assert out.dtype == np.float64 and out.shape == (2, 5, 4)
    np.testing.assert_array_equal(out.numpy(), img.transpose(2, 0, 1))


def test_to_tensor_bitwise_like_torch():
    torch = pytest.importorskip("torch")
    every = np.arange(256, dtype=np.uint8).reshape(16, 16)
    ref = torch.from_numpy(every).float().div(255).numpy()[None]
    np.testing.assert_array_equal(T.ToTensor()(every).numpy(), ref)


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="ToTensor"):
        T.ToTensor()([[1, 2]])
    with pytest.raises(ValueError, match=r"ToTensor: .*got shape \(2,\)"):
        T.ToTensor()(np.zeros(2, np.uint8))


def test_normalize_values():
    x = T.ToTensor()(IMG_HWC)
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
    out = T.Normalize(mean, std)(x)
    m = np.array(mean, np.float32)[:, None, None]
    s = np.array(std, np.float32)[:, None, None]
    np.testing.assert_array_equal(out.numpy(), (x.numpy() - m) / s)
    assert not np.shares_memory(out.numpy(), x.numpy())
    single = T.Normalize((0.1307,), (0.3081,))(T.ToTensor()(IMG))
    np.testing.assert_array_equal(
        single.numpy()[0], (IMG / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081))


def test_normalize_bitwise_like_torch():
    torch = pytest.importorskip("torch")
    x = T.ToTensor()(IMG_HWC)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    t = torch.from_numpy(x.numpy().copy())
    ref = t.sub_(torch.tensor(mean).view(-1, 1, 1)).div_(torch.tensor(std).view(-1, 1, 1))
    np.testing.assert_array_equal(T.Normalize(mean, std)(x).numpy(), ref.numpy())


def test_normalize_inplace_and_batched_input():
    x = T.ToTensor()(IMG)
    before = x.numpy().copy()
    out = T.Normalize(0.5, 0.5, inplace=True)(x)
    assert out is x
    np.testing.assert_array_equal(x.numpy(), (before - np.float32(0.5)) / np.float32(0.5))
    batch = shenjing.from_numpy(np.ones((2, 3, 4, 4), np.float32))
    assert T.Normalize([0, 0, 0], [1, 2, 4])(batch).numpy()[1, 2, 0, 0] == 0.25


def test_normalize_errors():
    norm = T.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match=r"Normalize: mean has 3 values but the image has 1 "
                                         r"channel\(s\) \(shape \(1, 5, 4\)\)"):
        norm(T.ToTensor()(IMG))
    with pytest.raises(ValueError, match=r"Normalize: expected a tensor image of shape "
                                         r"\(\.\.\., C, H, W\), got shape \(5, 4\)"):
        norm(shenjing.from_numpy(IMG.astype(np.float32)))
    with pytest.raises(TypeError, match="Normalize: expected a floating point tensor, got uint8"):
        norm(shenjing.from_numpy(IMG_HWC.transpose(2, 0, 1).copy()))
    with pytest.raises(ValueError, match="Normalize: std contains a zero"):
        T.Normalize((0.5,), (0.0,))
    with pytest.raises(TypeError, match="Normalize"):
        norm([1.0])


def test_normalize_rejects_nan_and_non_numeric_statistics():
    """Bug: a NaN std silently made every pixel NaN; string statistics raised NumPy's
    bare 'could not convert string to float'."""
    with pytest.raises(ValueError, match="Normalize: mean and std should be finite"):
        T.Normalize((0.5,), (float("nan"),))
    with pytest.raises(TypeError, match="Normalize: mean and std should be numbers"):
        T.Normalize("a", "b")


def test_normalize_keeps_autograd_graph():
    x = shenjing.ones(1, 2, 2, requires_grad=True)
    out = T.Normalize((0.5,), (0.25,))(x)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((1, 2, 2), 4.0))


def test_compose_lambda_and_repr():
    tf = T.Compose([T.ToTensor(), T.Normalize((0.1307,), (0.3081,))])
    assert tf.supports_batch and T.supports_batch(None)
    assert repr(tf) == ("Compose(\n    ToTensor()\n"
                        "    Normalize(mean=(0.1307,), std=(0.3081,))\n)")
    lam = T.Compose([tf, T.Lambda(lambda t: t * 2)])
    assert not lam.supports_batch and not T.supports_batch(lambda t: t)
    np.testing.assert_array_equal(lam(IMG).numpy(), tf(IMG).numpy() * 2)
    with pytest.raises(TypeError, match="Lambda"):
        T.Lambda(3)


@pytest.mark.parametrize("images", [rng.integers(0, 256, (6, 5, 4), dtype=np.uint8),
                                    rng.integers(0, 256, (6, 5, 4, 3), dtype=np.uint8)])
def test_apply_batch_equals_stacked_samples(images):
    c = 1 if images.ndim == 3 else 3
    tf = T.Compose([T.ToTensor(), T.Normalize((0.2,) * c, (0.7,) * c)])
    per_sample = np.stack([tf(img).numpy() for img in images])
    batched = tf.apply_batch(images)
    assert batched.dtype == per_sample.dtype
    np.testing.assert_array_equal(batched, per_sample)  # bit-identical


def test_to_tensor_pil_images():
    Image = pytest.importorskip("PIL.Image")
    np.testing.assert_array_equal(T.ToTensor()(Image.fromarray(IMG)).numpy(),
                                  T.ToTensor()(IMG).numpy())
    np.testing.assert_array_equal(T.ToTensor()(Image.fromarray(IMG_HWC)).numpy(),
                                  T.ToTensor()(IMG_HWC).numpy())
    bits = Image.fromarray(IMG > 128).convert("1")
    np.testing.assert_array_equal(T.ToTensor()(bits).numpy()[0], (IMG > 128).astype(np.float32))
