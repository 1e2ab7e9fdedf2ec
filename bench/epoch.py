"""One training epoch of a command-line model in shenjing and in PyTorch, side by side.

Both train the same architecture on real MNIST with the same recipe (Adam lr=1e-3,
batch 64, shuffled, ToTensor + Normalize), each in a child process of this one run,
one after the other, so each peak-memory figure is that of a whole training process.

    python bench/epoch.py --model cnn --data-dir ../shared/data/mnist
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS = ("mlp", "cnn", "lenet5", "lstm", "gru")


def torch_model(name, torch):
    """The architectures of shenjing.models, written for PyTorch."""
    nn = torch.nn
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256),
                             nn.ReLU(), nn.Linear(256, 10))
    if name == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                             nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
    if name == "lenet5":
        return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                             nn.Linear(84, 10))

    class Rows(nn.Module):  # an image read as 28 rows by an LSTM/GRU, last state classifies
        def __init__(self):
            super().__init__()
            self.rnn = (nn.LSTM if name == "lstm" else nn.GRU)(28, 128, batch_first=True)
            self.fc = nn.Linear(128, 10)

        def forward(self, x):
            out, _ = self.rnn(x.reshape(x.shape[0], 28, 28))
            return self.fc(out[:, -1])
    return Rows()


def child_shenjing(model_name, data_dir, max_batches):
    t0 = time.perf_counter()
    import shenjing
    import_s = time.perf_counter() - t0
    from shenjing import nn, optim
    from shenjing.models import build
    from shenjing.utils.data import DataLoader
    from shenjing.vision import datasets, transforms

    shenjing.manual_seed(0)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train = datasets.MNIST(data_dir, train=True, transform=tf)
    model = build(model_name)
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(train, batch_size=64, shuffle=True)
    return import_s, _epoch(model, opt, nn.CrossEntropyLoss(), loader, max_batches)


def child_torch(model_name, data_dir, max_batches, loader_kind="sample"):
    t0 = time.perf_counter()
    import torch
    import_s = time.perf_counter() - t0
    from torch.utils.data import DataLoader, Dataset

    sys.path.insert(0, ROOT)
    from shenjing.vision.datasets.mnist import read_idx  # only the IDX file reader

    class MNIST(Dataset):
        """What torchvision's MNIST + ToTensor + Normalize compute, sample by sample."""

        def __init__(self):
            self.images = torch.from_numpy(read_idx(_find(data_dir, "train-images-idx3-ubyte"))[0])
            self.labels = torch.from_numpy(read_idx(_find(data_dir, "train-labels-idx1-ubyte"))[0])

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, i):
            x = self.images[i].to(torch.float32).div(255).unsqueeze(0)
            return (x - 0.1307) / 0.3081, int(self.labels[i])

    torch.manual_seed(0)
    model = torch_model(model_name, torch)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    if loader_kind == "sample":
        loader = DataLoader(MNIST(), batch_size=64, shuffle=True)
    else:  # PyTorch's fastest path: normalise once, then index whole batches
        data = MNIST()
        images = ((data.images.to(torch.float32) / 255 - 0.1307) / 0.3081).unsqueeze(1)
        loader = [(images[i], data.labels[i]) for i in torch.randperm(len(images)).split(64)]
    return import_s, _epoch(model, opt, torch.nn.CrossEntropyLoss(), loader, max_batches)


def _find(data_dir, name):
    for sub in ("", os.path.join("MNIST", "raw")):
        for cand in (name, name + ".gz"):
            p = os.path.join(data_dir, sub, cand)
            if os.path.exists(p):
                return p
    raise FileNotFoundError(f"{name} not found in {data_dir}")


def _epoch(model, opt, criterion, loader, max_batches):
    """The article's training loop over one epoch (or its first max_batches batches)."""
    model.train()
    t0 = time.perf_counter()
    for i, (images, labels) in enumerate(loader):
        if max_batches and i == max_batches:
            break
        opt.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        opt.step()
    return {"epoch_s": time.perf_counter() - t0, "last_loss": float(loss.item())}


def run(model, data_dir, repeat=1, max_batches=0, torch_loader="sample", out=sys.stdout):
    """Alternate torch and shenjing children; print each run and a markdown summary."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    results = {"shenjing": [], "torch": []}
    for _ in range(repeat):
        for name in ("torch", "shenjing"):
            cmd = [sys.executable, os.path.join(HERE, "epoch.py"), "--child", name, "--model",
                   model, "--data-dir", data_dir, "--max-batches", str(max_batches),
                   "--torch-loader", torch_loader]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if proc.returncode:
                sys.exit(f"{name} run failed:\n{proc.stderr}")
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            results[name].append(r)
            print(f"{model} {name:9s} epoch {r['epoch_s']:7.2f} s  peak RSS "
                  f"{r['peak_rss_mib']:5.0f} MiB  import {r['import_s']:.3f} s", file=out,
                  flush=True)
    best = {k: min(r["epoch_s"] for r in v) for k, v in results.items()}
    mem = {k: max(r["peak_rss_mib"] for r in v) for k, v in results.items()}
    imp = {k: min(r["import_s"] for r in v) for k, v in results.items()}
    what = "epoch" if not max_batches else f"{max_batches} batches"
    print(f"\n| {model} | shenjing | PyTorch | ratio |\n|---|---|---|---|", file=out)
    print(f"| {what} (best of {repeat}) | {best['shenjing']:.2f} s | {best['torch']:.2f} s "
          f"| {best['shenjing'] / best['torch']:.2f}x |", file=out)
    print(f"| peak memory of the process | {mem['shenjing']:.0f} MiB | {mem['torch']:.0f} MiB "
          f"| {mem['shenjing'] / mem['torch']:.2f}x |", file=out)
    print(f"| import time | {imp['shenjing']:.3f} s | {imp['torch']:.3f} s "
          f"| {imp['shenjing'] / imp['torch']:.2f}x |", file=out)
    return results


def main(default_model=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=MODELS, default=default_model or "mlp")
    ap.add_argument("--data-dir", default=os.environ.get("SHENJING_MNIST_DIR", "data"))
    ap.add_argument("--repeat", type=int, default=1, help="alternate the two runs this often")
    ap.add_argument("--max-batches", type=int, default=0, help="time only the first N batches")
    ap.add_argument("--torch-loader", choices=["sample", "batch"], default="sample",
                    help="PyTorch's data path: sample by sample as torchvision's MNIST, or "
                         "pre-normalised whole batches (its fastest)")
    ap.add_argument("--child", choices=["shenjing", "torch"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.child == "shenjing":
            import_s, res = child_shenjing(args.model, args.data_dir, args.max_batches)
        else:
            import_s, res = child_torch(args.model, args.data_dir, args.max_batches,
                                        args.torch_loader)
        res["import_s"] = import_s
        res["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(res))
        return
    run(args.model, args.data_dir, args.repeat, args.max_batches, args.torch_loader)


if __name__ == "__main__":
    main()
