"""Train a small convolutional network on MNIST, written as one writes it for PyTorch.

    python examples/cnn_mnist.py --epochs 3 --data-dir /path/to/mnist
    python examples/cnn_mnist.py --dataset digits --epochs 5     # offline: scikit-learn's digits

Two 3x3 convolutions, max pooling, dropout and two linear layers; Adam with a step
learning-rate decay. The same file runs on PyTorch after replacing the shenjing imports
with torch / torchvision ones. ``--limit-batches`` cuts every pass short (smoke tests).
"""
import argparse
import os
import time

import shenjing
import shenjing.nn as nn
import shenjing.nn.functional as F
from shenjing import optim
from shenjing.optim.lr_scheduler import StepLR
from shenjing.utils.data import DataLoader
from shenjing.vision import datasets, transforms

MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)    # 28x28 -> 26x26
        self.conv2 = nn.Conv2d(32, 64, 3, 1)   # 26x26 -> 24x24, pooled to 12x12
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(64 * 12 * 12, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = shenjing.flatten(self.dropout1(x), 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def train(args, model, loader, optimizer, epoch):
    model.train()
    limit = args.limit_batches or len(loader)
    for batch_idx, (data, target) in enumerate(loader):
        if batch_idx >= limit:
            break
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            seen = batch_idx * len(data)
            print(f"Epoch {epoch} [{seen}/{len(loader.dataset)}"
                  f" ({100.0 * batch_idx / len(loader):.0f}%)]  loss {loss.item():.4f}")


def test(args, model, loader):
    """Mean loss and accuracy (%) on ``loader``; also printed."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    limit = args.limit_batches or len(loader)
    with shenjing.no_grad():
        for batch_idx, (data, target) in enumerate(loader):
            if batch_idx >= limit:
                break
            output = model(data)
            total_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
            seen += len(data)
    accuracy = 100.0 * correct / seen
    print(f"Test: average loss {total_loss / seen:.4f}, "
          f"accuracy {correct}/{seen} ({accuracy:.2f}%)")
    return total_loss / seen, accuracy


def load_datasets(args):
    """Train and test sets as 28x28 normalised tensors (digits are resized up from 8x8)."""
    to_input = [transforms.ToTensor(), transforms.Normalize(MNIST_MEAN, MNIST_STD)]
    resize = [transforms.Resize(28)] if args.dataset == "digits" else []
    augment = [transforms.RandomAffine(10, translate=(0.1, 0.1))] if args.augment else []
    train_tf = transforms.Compose(resize + augment + to_input)
    test_tf = transforms.Compose(resize + to_input)
    if args.dataset == "digits":
        return datasets.Digits(train=True, transform=train_tf), \
            datasets.Digits(train=False, transform=test_tf)
    return (datasets.MNIST(args.data_dir, train=True, download=args.download, transform=train_tf),
            datasets.MNIST(args.data_dir, train=False, download=args.download, transform=test_tf))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="shenjing: a CNN on MNIST")
    p.add_argument("--batch-size", type=int, default=64, help="training batch size (64)")
    p.add_argument("--test-batch-size", type=int, default=1000, help="test batch size (1000)")
    p.add_argument("--epochs", type=int, default=3, help="passes over the training set (3)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (0.001)")
    p.add_argument("--gamma", type=float, default=0.7, help="lr factor after each epoch (0.7)")
    p.add_argument("--seed", type=int, default=1, help="random seed (1)")
    p.add_argument("--data-dir", default=os.environ.get("SHENJING_MNIST_DIR", "data"),
                   help="folder with the MNIST files (default: $SHENJING_MNIST_DIR or ./data)")
    p.add_argument("--download", action="store_true", help="download MNIST if it is missing")
    p.add_argument("--dataset", choices=["mnist", "digits"], default="mnist",
                   help="digits = scikit-learn's 8x8 digits resized to 28x28 (no download)")
    p.add_argument("--augment", action="store_true",
                   help="random rotations (+-10 degrees) and shifts (10%%) while training")
    p.add_argument("--limit-batches", type=int, default=0,
                   help="stop each training and test pass after this many batches (0: all)")
    p.add_argument("--log-interval", type=int, default=100, help="batches between log lines")
    p.add_argument("--save-model", metavar="PATH", help="save the trained weights here")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    shenjing.manual_seed(args.seed)
    train_set, test_set = load_datasets(args)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=args.test_batch_size)

    model = Net()
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    history = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        train(args, model, train_loader, optimizer, epoch)
        print(f"Epoch {epoch} trained in {time.perf_counter() - start:.1f} s")
        history.append(test(args, model, test_loader))
        scheduler.step()
    if args.save_model:
        shenjing.save(model.state_dict(), args.save_model)
    return model, history


if __name__ == "__main__":
    main()
