"""A character-level language model trained on real English text that ships with Python.

The text is the interactive help of the Python documentation (the stdlib module
``pydoc_data.topics``: ~465,000 characters of prose and code samples). The model
reads characters through an embedding, an LSTM (or GRU) and a linear layer that
scores the next character. Training uses truncated backpropagation through time:
the text is cut into B parallel streams that are read in chunks of T characters;
the hidden state is carried from one chunk to the next but detached, so gradients
flow back at most T steps. Gradients are clipped to a maximum norm.

The loss is reported in bits per character, next to the entropy of the character
frequencies (what a model that ignores context can reach at best), on held-out text.

    python examples/char_lm.py                       # ~2 minutes on two cores
"""
import argparse
import math
import time

import numpy as np

import shenjing
from shenjing import nn, optim
from shenjing.nn.utils import clip_grad_norm_

LN2 = math.log(2.0)


def load_text():
    """The help topics of the Python docs, joined in a fixed order."""
    from pydoc_data.topics import topics
    return "\n".join(topics[k] for k in sorted(topics))


class Vocab:
    """Characters <-> integer ids."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        return np.fromiter((self.index[c] for c in text), np.int64, len(text))

    def decode(self, ids):
        return "".join(self.chars[int(i)] for i in ids)


def unigram_bits(train_ids, test_ids, V):
    """(entropy of the training character frequencies, their cross-entropy on test), bits."""
    counts = np.bincount(train_ids, minlength=V).astype(np.float64) + 1.0  # add-one
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum()), float(-np.log2(p[test_ids]).mean())


class CharLM(nn.Module):
    """Embedding (V, E) -> LSTM/GRU (E, H) -> Linear (H, V): next-character logits."""

    def __init__(self, vocab_size, embed=32, hidden=128, cell="lstm", num_layers=1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        self.rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[cell](embed, hidden, num_layers,
                                                          batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, ids, state=None):  # ids (B, T) -> logits (B, T, V), new state
        out, state = self.rnn(self.embed(ids), state)
        return self.head(out), state


def detach(state):
    """Cut the graph at a chunk boundary (truncated BPTT): keep the values only."""
    if state is None:
        return None
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def streams(ids, batch):
    """(B, L) array: the text split into B contiguous streams read in parallel."""
    L = len(ids) // batch
    return ids[:L * batch].reshape(batch, L)


def evaluate(model, ids, batch, seq_len):
    """Mean cross-entropy in bits per character over ``ids``, state carried across chunks."""
    data = streams(ids, batch)
    model.eval()
    state, total, count = None, 0.0, 0
    with shenjing.no_grad():
        for i in range(0, data.shape[1] - 1, seq_len):
            x = data[:, i:i + seq_len]
            y = data[:, i + 1:i + 1 + seq_len]
            x = x[:, :y.shape[1]]
            logits, state = model(shenjing.from_numpy(x), state)
            loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                               shenjing.from_numpy(y.reshape(-1)),
                                               reduction="sum")
            total, count = total + loss.item(), count + y.size
    model.train()
    return total / count / LN2


def sample(model, vocab, prime="The ", length=300, temperature=0.8):
    """Generate text one character at a time from softmax(logits / temperature)."""
    model.eval()
    ids = [vocab.index[c] for c in prime]
    with shenjing.no_grad():
        logits, state = model(shenjing.tensor([ids]))
        for _ in range(length):
            probs = nn.functional.softmax(logits[0, -1] / temperature, dim=-1)
            nxt = int(shenjing.multinomial(probs, 1).item())
            ids.append(nxt)
            logits, state = model(shenjing.tensor([[nxt]]), state)
    model.train()
    return vocab.decode(ids)


def run(steps=1000, batch=32, seq_len=64, embed=32, hidden=128, cell="lstm", lr=3e-3,
        clip=1.0, eval_chars=30000, seed=0, log=print, log_every=100):
    """Train for ``steps`` chunks; return a dict with the model and the measured bits."""
    shenjing.manual_seed(seed)
    text = load_text()
    vocab = Vocab(text)
    ids = vocab.encode(text)
    split = int(len(ids) * 0.9)  # the last 10% of the topics is held out
    train_ids, test_ids = ids[:split], ids[split:split + eval_chars]
    entropy, unigram_test = unigram_bits(train_ids, test_ids, len(vocab))
    data = streams(train_ids, batch)

    model = CharLM(len(vocab), embed, hidden, cell)
    opt = optim.Adam(model.parameters(), lr=lr)
    state, pos, clipped, t0, recent = None, 0, 0, time.perf_counter(), []
    for step in range(1, steps + 1):
        if pos + seq_len + 1 > data.shape[1]:  # end of the streams: start over, fresh state
            pos, state = 0, None
        x = shenjing.from_numpy(data[:, pos:pos + seq_len])
        y = shenjing.from_numpy(data[:, pos + 1:pos + seq_len + 1].reshape(-1))
        pos += seq_len
        logits, state = model(x, detach(state))
        loss = nn.functional.cross_entropy(logits.reshape(-1, len(vocab)), y)
        opt.zero_grad()
        loss.backward()
        clipped += float(clip_grad_norm_(model.parameters(), clip)) > clip
        opt.step()
        recent.append(loss.item() / LN2)
        if log and (step % log_every == 0 or step == steps):
            log(f"step {step:>5}/{steps}  train {np.mean(recent):.3f} bits/char  "
                f"{time.perf_counter() - t0:5.1f} s")
            recent = []
    test_bits = evaluate(model, test_ids, batch, seq_len)
    return dict(model=model, vocab=vocab, entropy=entropy, unigram_test=unigram_test,
                test_bits=test_bits, clipped=clipped, steps=steps,
                chars_seen=steps * batch * seq_len, n_train=len(train_ids),
                n_test=len(test_ids), seconds=time.perf_counter() - t0)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
    p.add_argument("--steps", type=int, default=1000, help="training chunks (B x T chars each)")
    p.add_argument("--batch", type=int, default=32, help="parallel streams B")
    p.add_argument("--seq-len", type=int, default=64, help="BPTT length T")
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--clip", type=float, default=1.0, help="max gradient norm")
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    r = run(a.steps, a.batch, a.seq_len, hidden=a.hidden, cell=a.cell, lr=a.lr, clip=a.clip,
            seed=a.seed)
    print(f"text: {r['n_train']:,} training / {r['n_test']:,} held-out characters, "
          f"{len(r['vocab'])} distinct; trained on {r['chars_seen']:,} characters "
          f"in {r['seconds']:.0f} s (gradient clipped in {r['clipped']}/{r['steps']} steps)")
    print(f"unigram entropy of the text:             {r['entropy']:.3f} bits/char")
    print(f"unigram model on held-out text:          {r['unigram_test']:.3f} bits/char")
    print(f"{a.cell.upper()} on held-out text:                   {r['test_bits']:.3f} "
          f"bits/char ({r['entropy'] - r['test_bits']:.3f} below the unigram entropy)")
    print(f"\nsample (temperature {a.temperature}):\n")
    print(sample(r["model"], r["vocab"], temperature=a.temperature))
    return r


if __name__ == "__main__":
    main()
