"""One epoch of `shenjing train --model cnn` (and, with --model lenet5, LeNet-5) in shenjing and in PyTorch, side by side.

    python bench/cnn_epoch.py --data-dir ../shared/data/mnist [--repeat 2]
"""
from epoch import main

if __name__ == "__main__":
    main("cnn")
