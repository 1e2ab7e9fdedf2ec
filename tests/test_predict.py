"""shenjing.predict: real image files brought to MNIST's layout, then classified."""
import gzip
import os
import sys

import numpy as np
import pytest

import shenjing
from shenjing import nn

Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")
from shenjing.predict import format_predictions, load_grey, mnist_like, predict_files  # noqa


def com(a):
    a = a.astype(float)
    ys, xs = np.indices(a.shape)
    return (ys * a).sum() / a.sum(), (xs * a).sum() / a.sum()


def ring(path, size=(300, 200), mode="RGB", bg=(240, 235, 225), fg=(20, 20, 30)):
    img = Image.new(mode, size, bg)
    ImageDraw.Draw(img).ellipse((200, 40, 260, 160), outline=fg, width=12)  # an off-centre "0"
    img.save(path)
    return path


@pytest.mark.parametrize("name", ["ring.png", "ring.jpg"])
def test_dark_on_light_photo_becomes_mnist_like(tmp_path, name):
    out = mnist_like(load_grey(ring(tmp_path / name)))
    assert out.shape == (28, 28) and out.dtype == np.uint8
    assert out.max() == 255 and out[0].max() == 0 and out[:, 0].max() == 0  # inverted
    rows, cols = np.nonzero(out > 30)
    assert 19 <= rows.max() - rows.min() + 1 <= 21  # the tall side fills the 20x20 box
    assert cols.max() - cols.min() + 1 < 16         # the aspect ratio is kept
    cy, cx = com(out)
    assert abs(cy - 14) <= 0.6 and abs(cx - 14) <= 0.6


def test_transparent_drawing_and_light_on_dark(tmp_path):
    a = mnist_like(load_grey(ring(tmp_path / "t.png", mode="RGBA", bg=(0, 0, 0, 0),
                                  fg=(0, 0, 0, 255))))
    b = mnist_like(load_grey(ring(tmp_path / "d.png", bg=(0, 0, 0), fg=(255, 255, 255))))
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 2
    blank = mnist_like(np.ones((40, 30)))
    assert blank.shape == (28, 28) and not blank.any()
    assert mnist_like(load_grey(tmp_path / "d.png"), size=8).shape == (8, 8)


def mnist_test_images():
    folder = os.environ.get("SHENJING_MNIST_DIR") or os.path.join(
        os.path.dirname(__file__), "..", "..", "shared", "data", "mnist")
    path = os.path.join(folder, "t10k-images-idx3-ubyte.gz")
    if not os.path.exists(path):
        pytest.skip("MNIST test images not found (set SHENJING_MNIST_DIR)")
    with gzip.open(path) as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, offset=16).reshape(-1, 28, 28)


def test_mnist_digit_photographed_comes_back(tmp_path):
    """An MNIST digit, enlarged, inverted and pasted off-centre on grey paper, is
    brought back to (nearly) the original 28x28 image."""
    images = mnist_test_images()
    for i in range(5):
        big = Image.fromarray(255 - images[i]).resize((140, 140), Image.BICUBIC)
        page = Image.new("RGB", (300, 220), (235, 230, 220))
        page.paste(big.convert("RGB"), (120, 50))
        page.save(tmp_path / f"{i}.jpg", quality=90)
        back = mnist_like(load_grey(tmp_path / f"{i}.jpg"))
        corr = np.corrcoef(back.ravel().astype(float), images[i].ravel().astype(float))[0, 1]
        assert corr > 0.93, (i, corr)


def test_predict_files_top_k(tmp_path):
    from shenjing.vision import transforms
    paths = [ring(tmp_path / "a.png"), ring(tmp_path / "b.jpg")]
    template = mnist_like(load_grey(paths[0])).astype(np.float32).ravel() / 255
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 4))
    with shenjing.no_grad():
        model[1].weight.copy_(shenjing.tensor(np.stack([-template, template * 0.1, template,
                                                        0 * template])))
        model[1].bias.zero_()
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (1.0,))])
    results = predict_files(model, paths, tf, ["w", "x", "y", "z"], topk=3)
    assert [r["top"][0][0] for r in results] == ["y", "y"]
    probs = [p for _, p in results[0]["top"]]
    assert len(probs) == 3 and probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6
    text = format_predictions(results)
    assert text.splitlines()[0].startswith(f"{paths[0]}: y (")
    assert model.training  # restored


def test_bad_file_and_missing_pillow(tmp_path, monkeypatch):
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    with pytest.raises(ValueError, match=f"can't read {bad}"):
        load_grey(bad)
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        load_grey(bad)
