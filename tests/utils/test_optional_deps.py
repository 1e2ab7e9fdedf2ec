"""Without any optional package, shenjing imports, trains and summarises; each feature
that needs one says in one line what to pip install."""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = textwrap.dedent("""
    import sys
    BLOCKED = ("matplotlib", "onnx", "onnxruntime", "tensorboardX", "tensorboard",
               "safetensors", "PIL", "netron")
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is blocked in this test")
    sys.meta_path.insert(0, Block())
    import shenjing
    from shenjing import nn
    import shenjing.onnx, shenjing.predict, shenjing.utils.plots, shenjing.utils.tensorboard
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    opt = shenjing.optim.SGD(model.parameters(), lr=0.1)
    loss = nn.CrossEntropyLoss()(model(shenjing.randn(5, 4)), shenjing.tensor([0, 1, 0, 1, 1]))
    loss.backward()
    opt.step()
    assert shenjing.summary(model, (1, 4), verbose=0).total_params == 58
    hints = []
    for call in (lambda: shenjing.save(model.state_dict(), "x"),
                 lambda: shenjing.onnx.export(model, shenjing.randn(1, 4), "x.onnx"),
                 lambda: shenjing.onnx.view("x.onnx"),
                 lambda: shenjing.utils.tensorboard.SummaryWriter("runs"),
                 lambda: shenjing.utils.plots.plot_training_curves([{"train_loss": 1}], "x.png"),
                 lambda: shenjing.predict.load_grey("x.png")):
        try:
            call()
        except ImportError as e:
            hints.append(str(e))
    print("\\n".join(hints))
    assert not any(m.split(".")[0] in BLOCKED for m in sys.modules)
""")


def test_everything_optional_stays_optional(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=tmp_path, capture_output=True,
                         text=True, env=dict(os.environ, PYTHONPATH=ROOT))
    assert out.returncode == 0, out.stderr
    hints = out.stdout.strip().splitlines()
    wanted = ["safetensors", "onnx", "netron", "tensorboardX", "matplotlib", "pillow"]
    assert len(hints) == len(wanted)
    for hint, package in zip(hints, wanted):
        assert f"pip install {package}" in hint, hint
    assert not os.listdir(tmp_path)  # nothing half-written
