"""The article's section 4 script runs on shenjing with only its imports changed (plus
the DataLoader fix) and learns MNIST."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "examples", "article_mlp.py")
MNIST_DIR = os.environ.get("SHENJING_MNIST_DIR")


def test_only_imports_and_the_dataloader_fix_differ():
    text = open(SCRIPT, encoding="utf-8").read()
    code = [l for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]
    imports = [l for l in code if l.startswith(("import ", "from "))]
    assert all("shenjing" in l for l in imports)
    assert "import torch" not in text and "torchvision" not in text
    loaders = [l for l in code if "DataLoader(" in l]
    assert len(loaders) == 2 and all("batch_size=64" in l for l in loaders)


@pytest.mark.skipif(not MNIST_DIR or not os.path.isdir(MNIST_DIR),
                    reason="real MNIST not available (set SHENJING_MNIST_DIR)")
def test_article_script_learns_mnist(tmp_path):
    # the script reads MNIST from ./data; one epoch instead of ten keeps the test short
    os.symlink(os.path.abspath(MNIST_DIR), tmp_path / "data")
    text = open(SCRIPT, encoding="utf-8").read().replace("num_epochs = 10", "num_epochs = 1")
    (tmp_path / "article.py").write_text(text, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "article.py"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    m = re.search(r"Epoch \[1/1\], Test Accuracy: ([\d.]+)%", out.stdout)
    assert m and float(m.group(1)) > 95.0, out.stdout
