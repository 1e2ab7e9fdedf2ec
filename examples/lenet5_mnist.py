"""Train LeNet-5 on MNIST, written as one writes it for PyTorch.

    python examples/lenet5_mnist.py --epochs 5 --data-dir /path/to/mnist
    python examples/lenet5_mnist.py --dataset digits --epochs 10   # offline: scikit-learn's digits

LeCun et al. (1998): two 5x5 convolutions (6 and 16 maps) each followed by 2x2
subsampling, then 120-84-10 fully connected units. The first convolution pads by 2
because LeNet-5 expected 32x32 inputs; ReLU and max pooling replace the original
scaled tanh and trainable average pooling, as in most modern renditions. Trained with
SGD and Nesterov momentum. The same file runs on PyTorch after replacing the shenjing
imports with torch / torchvision ones. ``--limit-batches`` cuts every pass short.
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


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)   # C1: 6@28x28, S2: 6@14x14
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)             # C3: 16@10x10, S4: 16@5x5
        self.fc1 = nn.Linear(16 * 5 * 5, 120)                    # C5
        self.fc2 = nn.Linear(120, 84)                            # F6
        self.fc3 = nn.Linear(84, 10)                             # output

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)  # logits: cross_entropy applies log-softmax itself


def train(args, model, loader, optimizer, epoch):
    model.train()
    limit = args.limit_batches or len(loader)
    for i, (images, labels) in enumerate(loader):
        if i >= limit:
            break
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        if i % args.log_interval == 0:
            print(f"Epoch {epoch} [{i * len(images)}/{len(loader.dataset)}"
                  f" ({100.0 * i / len(loader):.0f}%)]  loss {loss.item():.4f}")


def test(args, model, loader):
    """Mean loss and accuracy (%) on ``loader``; also printed."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    limit = args.limit_batches or len(loader)
    with shenjing.no_grad():
        for i, (images, labels) in enumerate(loader):
            if i >= limit:
                break
            logits = model(images)
            total_loss += F.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(dim=1) == labels).sum().item()
            seen += labels.size(0)
    accuracy = 100.0 * correct / seen
    print(f"Test: average loss {total_loss / seen:.4f}, "
          f"accuracy {correct}/{seen} ({accuracy:.2f}%)")
    return total_loss / seen, accuracy


def load_datasets(args):
    """Train and test sets as 28x28 normalised tensors (digits are resized up from 8x8)."""
    normalize = [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]
    resize = [transforms.Resize(28)] if args.dataset == "digits" else []
    augment = [transforms.RandomCrop(28, padding=2)] if args.augment else []
    train_tf = transforms.Compose(resize + augment + normalize)
    test_tf = transforms.Compose(resize + normalize)
    if args.dataset == "digits":
        return (datasets.Digits(train=True, transform=train_tf),
                datasets.Digits(train=False, transform=test_tf))
    return (datasets.MNIST(args.data_dir, train=True, download=args.download, transform=train_tf),
            datasets.MNIST(args.data_dir, train=False, download=args.download, transform=test_tf))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="shenjing: LeNet-5 on MNIST")
    p.add_argument("--batch-size", type=int, default=64, help="training batch size (64)")
    p.add_argument("--test-batch-size", type=int, default=1000, help="test batch size (1000)")
    p.add_argument("--epochs", type=int, default=5, help="passes over the training set (5)")
    p.add_argument("--lr", type=float, default=0.05, help="SGD learning rate (0.05)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (0.9)")
    p.add_argument("--gamma", type=float, default=0.8, help="lr factor after each epoch (0.8)")
    p.add_argument("--seed", type=int, default=1, help="random seed (1)")
    p.add_argument("--data-dir", default=os.environ.get("SHENJING_MNIST_DIR", "data"),
                   help="folder with the MNIST files (default: $SHENJING_MNIST_DIR or ./data)")
    p.add_argument("--download", action="store_true", help="download MNIST if it is missing")
    p.add_argument("--dataset", choices=["mnist", "digits"], default="mnist",
                   help="digits = scikit-learn's 8x8 digits resized to 28x28 (no download)")
    p.add_argument("--augment", action="store_true",
                   help="random 28x28 crops of the image padded by 2 while training")
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
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, nesterov=True)
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
