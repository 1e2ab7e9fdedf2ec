"""shenjing computes on the CPU; this module answers tutorial code that asks about CUDA."""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    pass


manual_seed_all = manual_seed
