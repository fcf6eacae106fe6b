#!/usr/bin/python3
"""moe4j's default language model (`./moe4j train`) written in PyTorch, to time training and
decoding on the same CPU as moe4j (bench/scripts/compare-torch.sh runs both).

The model: character vocabulary 83, d_model 256, 4 pre-norm decoder layers of RoPE attention
(4 heads and 4 key/value heads of 64, no biases) and a sparse mixture of experts (8 SwiGLU experts
w2(silu(w1 x) * w3 x) of hidden 384; router linear d -> 8, softmax, top-2, the two weights
renormalised; Switch load-balancing loss 0.01 and router z-loss 0.001), RMSNorm (eps 1e-5), final
RMSNorm, untied LM head: 10,538,752 parameters. Module names follow Hugging Face's Mixtral, which
moe4j's checkpoints use too, so --run loads a moe4j run's weights.

The MoE runs sparsely: the (token, expert) pairs are sorted by expert, and each expert runs on the
rows routed to it, gathered by index; its weighted output is index_add-ed into the result.

Run with the system interpreter, which has Debian's python3-torch (bench/scripts/install-torch.sh):
  /usr/bin/python3 bench/scripts/torch_lm.py --mode train --steps 20
  /usr/bin/python3 bench/scripts/torch_lm.py --mode decode --batch 1,16 --run runs/default-final
  /usr/bin/python3 bench/scripts/torch_lm.py --mode generate --run runs/default-final --prompt "Call me"
Each mode prints what it measures, then one JSON line with the figures.
"""
import argparse
import json
import math
import os
import statistics
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MOBY_DICK = os.path.join(HERE, "..", "..", "datasets", "src", "main", "resources", "org", "moe4j", "data", "moby-dick.txt")

DEFAULT_CONFIG = {
    "vocab_size": 83, "d_model": 256, "heads": 4, "kv_heads": 4, "context_length": 128,
    "rope_theta": 10000.0, "norm_eps": 1e-5, "layers": 4, "experts": 8, "top_k": 2, "hidden": 384,
    "load_balancing": 0.01, "z_loss": 0.001,
}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=["train", "decode", "generate"], required=True)
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (and OpenBLAS threads); default 2")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--run", help="a moe4j run folder: its run.json gives the model and its checkpoint the weights "
                                 "(decode, generate; default: the default config, randomly initialised)")
    # train
    p.add_argument("--steps", type=int, default=20, help="train: timed steps (default 20)")
    p.add_argument("--warmup", type=int, default=3, help="train: untimed steps first (default 3)")
    p.add_argument("--batch-size", type=int, default=16, help="train: sequences per step (default 16)")
    p.add_argument("--data", choices=["corpus", "random"], default="corpus",
                   help="train: windows of the bundled Moby-Dick, character-tokenised (default), or uniform random ids")
    p.add_argument("--lr", type=float, default=0.002)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--grad-clip", type=float, default=1.0)
    # decode
    p.add_argument("--batch", default="1,16", help="decode: batch sizes, comma-separated (default 1,16)")
    p.add_argument("--prompt-tokens", type=int, default=40, help="decode: tokens prefilled per sequence (default 40)")
    p.add_argument("--decode-steps", type=int, default=80, help="decode: greedy steps timed per round (default 80)")
    p.add_argument("--rounds", type=int, default=7,
                   help="decode: rounds over the batch sizes; the first 2 are warm-up (default 7)")
    # generate
    p.add_argument("--prompt", default="Call me Ishmael.", help="generate: the text to continue greedily")
    p.add_argument("--max-tokens", type=int, default=60, help="generate: tokens to generate (default 60)")
    return p.parse_args()


ARGS = parse_args()
# OpenBLAS's own thread pool (when torch's BLAS is OpenBLAS) follows these, torch's OpenMP follows set_num_threads.
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)
os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)

import torch  # noqa: E402  (after the thread variables)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


# ----------------------------------------------------------------------------- the model

class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class KVCache:
    """Keys and values of one layer for a batch of sequences, preallocated to the context length."""

    def __init__(self, batch, kv_heads, context, head_dim):
        self.k = torch.empty(batch, kv_heads, context, head_dim)
        self.v = torch.empty(batch, kv_heads, context, head_dim)
        self.length = 0

    def append(self, k, v):
        n = k.shape[2]
        end = self.length + n
        if end > self.k.shape[2]:
            raise ValueError(f"KV cache: {end} positions, more than the context {self.k.shape[2]}")
        self.k[:, :, self.length:end] = k
        self.v[:, :, self.length:end] = v
        self.length = end
        return self.k[:, :, :end], self.v[:, :, :end]


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.heads, self.kv_heads = c["d_model"], c["heads"], c["kv_heads"]
        self.head_dim = d // self.heads
        self.q_proj = nn.Linear(d, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(d, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(d, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, d, bias=False)

    def forward(self, x, cos, sin, mask, cache=None):
        # x: (B, T, d); cos, sin: (T, head_dim) for the new positions; mask: (T, past + T) True where hidden, or None
        B, T, _ = x.shape
        q = self.q_proj(x).view(B, T, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if cache is not None:
            k, v = cache.append(k, v)
        if self.kv_heads != self.heads:
            k = k.repeat_interleave(self.heads // self.kv_heads, dim=1)
            v = v.repeat_interleave(self.heads // self.kv_heads, dim=1)
        scores = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        out = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.o_proj(out.transpose(1, 2).reshape(B, T, self.heads * self.head_dim))


class Expert(nn.Module):
    def __init__(self, d, hidden):
        super().__init__()
        self.w1 = nn.Linear(d, hidden, bias=False)
        self.w2 = nn.Linear(hidden, d, bias=False)
        self.w3 = nn.Linear(d, hidden, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class SparseMoe(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_experts, self.top_k = c["experts"], c["top_k"]
        self.lb_coef, self.z_coef = c["load_balancing"], c["z_loss"]
        self.gate = nn.Linear(c["d_model"], self.num_experts, bias=False)
        self.experts = nn.ModuleList(Expert(c["d_model"], c["hidden"]) for _ in range(self.num_experts))

    def forward(self, x, with_aux):
        # x: (N, d) -> (N, d), and the weighted auxiliary losses (a scalar tensor) or None
        logits = self.gate(x)
        probs = torch.softmax(logits, dim=-1)
        top_w, top_e = probs.topk(self.top_k, dim=-1)
        top_w = top_w / top_w.sum(dim=-1, keepdim=True)
        pair_expert = top_e.reshape(-1)  # pair p = token * top_k + slot
        order = torch.argsort(pair_expert)
        counts = torch.bincount(pair_expert, minlength=self.num_experts)
        pair_token = order // self.top_k
        pair_weight = top_w.reshape(-1)[order].unsqueeze(1)
        out = torch.zeros_like(x)
        start = 0
        for e, n in enumerate(counts.tolist()):
            if n == 0:
                continue
            rows = pair_token[start:start + n]
            out.index_add_(0, rows, self.experts[e](x[rows]) * pair_weight[start:start + n])
            start += n
        aux = None
        if with_aux:
            # Switch load balancing: E * sum_e f_e P_e, f_e = share of the N * k pairs routed to e, P_e = mean probability
            fraction = counts.to(x.dtype) / pair_expert.numel()
            balance = self.num_experts * (fraction * probs.mean(dim=0)).sum()
            z = torch.logsumexp(logits, dim=-1).pow(2).mean()
            aux = self.lb_coef * balance + self.z_coef * z
        return out, aux


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["d_model"], c["norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["d_model"], c["norm_eps"])
        self.block_sparse_moe = SparseMoe(c)

    def forward(self, x, cos, sin, mask, cache, with_aux):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache)
        B, T, d = h.shape
        y, aux = self.block_sparse_moe(self.post_attention_layernorm(h).reshape(B * T, d), with_aux)
        return h + y.view(B, T, d), aux


class Body(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["d_model"])
        self.layers = nn.ModuleList(DecoderLayer(c) for _ in range(c["layers"]))
        self.norm = RMSNorm(c["d_model"], c["norm_eps"])


class MoeLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = Body(c)
        self.lm_head = nn.Linear(c["d_model"], c["vocab_size"], bias=False)
        nn.init.normal_(self.model.embed_tokens.weight, std=0.02)  # as moe4j; Linear layers keep PyTorch's default
        head_dim = c["d_model"] // c["heads"]
        inv = c["rope_theta"] ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
        angles = torch.outer(torch.arange(c["context_length"], dtype=torch.float64), inv)
        angles = torch.cat((angles, angles), dim=-1)
        self.register_buffer("cos", angles.cos().float(), persistent=False)
        self.register_buffer("sin", angles.sin().float(), persistent=False)
        T = c["context_length"]
        self.register_buffer("causal", torch.ones(T, T, dtype=torch.bool).triu(1), persistent=False)

    def forward(self, ids, caches=None, last_only=False, with_aux=False):
        # ids: (B, T) -> logits (B, T, V) (or (B, V) with last_only), summed auxiliary losses or None
        B, T = ids.shape
        past = caches[0].length if caches is not None else 0
        cos, sin = self.cos[past:past + T], self.sin[past:past + T]
        mask = self.causal[past:past + T, :past + T] if T > 1 else None
        h = self.model.embed_tokens(ids)
        aux_total = None
        for i, layer in enumerate(self.model.layers):
            h, aux = layer(h, cos, sin, mask, caches[i] if caches is not None else None, with_aux)
            if aux is not None:
                aux_total = aux if aux_total is None else aux_total + aux
        if last_only:
            h = h[:, -1]
        return self.lm_head(self.model.norm(h)), aux_total

    def new_caches(self, batch):
        c = self.c
        return [KVCache(batch, c["kv_heads"], c["context_length"], c["d_model"] // c["heads"]) for _ in range(c["layers"])]


# ----------------------------------------------------------------------------- moe4j runs

def read_run_config(run):
    with open(os.path.join(run, "run.json")) as f:
        m = json.load(f)["model"]
    ff = m["feed_forward"]
    kinds = {(b["kind"], b["experts"], b["top_k"], b["hidden"], b["router"], b["shared_hidden"], b["capacity_factor"])
             for b in ff}
    if len(kinds) != 1 or next(iter(kinds))[0] != "moe" or next(iter(kinds))[4] != "softmax" \
            or next(iter(kinds))[5] != 0 or next(iter(kinds))[6] != 0 or m["tie_embeddings"]:
        sys.exit(f"torch_lm: {run}: only the default form is written here (every layer a dropless softmax top-k MoE, "
                 f"no shared expert, untied head)")
    return {"vocab_size": m["vocab_size"], "d_model": m["d_model"], "heads": m["heads"], "kv_heads": m["kv_heads"],
            "context_length": m["context_length"], "rope_theta": m["rope_theta"], "norm_eps": m["norm_eps"],
            "layers": len(ff), "experts": ff[0]["experts"], "top_k": ff[0]["top_k"], "hidden": ff[0]["hidden"],
            "load_balancing": ff[0]["load_balancing"], "z_loss": ff[0]["z_loss"]}


def read_safetensors(path):
    """The float32 tensors of a .safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            sys.exit(f"torch_lm: {path}: {name} is {info['dtype']}, only F32 is read here")
        a, b = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(info["shape"])
    return out


def read_tokenizer(run):
    with open(os.path.join(run, "tokenizer.json")) as f:
        t = json.load(f)
    if t.get("kind") != "char":
        sys.exit(f"torch_lm: {run}: tokenizer kind {t.get('kind')}, only char is read here")
    return t["codePoints"]


# ----------------------------------------------------------------------------- helpers

def blas_library():
    """The BLAS library this process has mapped (torch loads it with libtorch_cpu)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
    except OSError:
        return "unknown"
    libs = sorted(p for p in paths if "blas" in os.path.basename(p).lower())
    real = sorted({os.path.realpath(p) for p in libs})
    return ", ".join(real) if real else "none mapped"


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def median(xs):
    return statistics.median(xs)


def build(config):
    torch.manual_seed(ARGS.seed)
    model = MoeLM(config)
    if ARGS.run:
        state = read_safetensors(os.path.join(ARGS.run, "checkpoint", "model.safetensors"))
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            sys.exit(f"torch_lm: checkpoint names differ: missing {missing[:4]}, unexpected {unexpected[:4]}")
    return model


def describe(model, config):
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, BLAS: {blas_library()}")
    print(f"model: {config['layers']} layers, width {config['d_model']}, {config['heads']} heads "
          f"({config['kv_heads']} kv), context {config['context_length']}, vocabulary {config['vocab_size']}, "
          f"{config['experts']} experts top-{config['top_k']} of hidden {config['hidden']}: "
          f"{count_parameters(model):,} parameters" + (f", weights of {ARGS.run}" if ARGS.run else ", random init"))


# ----------------------------------------------------------------------------- modes

def train(config):
    model = build(config)
    model.train()
    V, T, B = config["vocab_size"], config["context_length"], ARGS.batch_size
    gen = torch.Generator().manual_seed(ARGS.seed)
    if ARGS.data == "corpus":
        with open(MOBY_DICK, encoding="utf-8") as f:
            text = f.read()
        vocab = sorted(set(text))
        if len(vocab) != V:
            sys.exit(f"torch_lm: {MOBY_DICK} has {len(vocab)} distinct characters, the model's vocabulary is {V}")
        index = {ch: i for i, ch in enumerate(vocab)}
        corpus = torch.tensor([index[ch] for ch in text], dtype=torch.long)
        offsets = torch.arange(T + 1)

        def batch():
            starts = torch.randint(0, corpus.numel() - T - 1, (B, 1), generator=gen)
            return corpus[starts + offsets]
    else:
        def batch():
            return torch.randint(0, V, (B, T + 1), generator=gen)

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if ("norm" in name or "embed_tokens" in name) else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": ARGS.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=ARGS.lr, betas=(0.9, 0.95), foreach=True)
    total = ARGS.warmup + ARGS.steps
    warm = min(100, max(0, total - 1))  # moe4j's schedule: linear warm-up (100 steps), then cosine down to 0.1

    def lr_factor(step):  # step counts from 0
        if step < warm:
            return (step + 1) / warm
        progress = (step - warm) / max(1, total - warm)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor)
    describe(model, config)
    print(f"train: batch {B} x {T} tokens ({ARGS.data} data), AdamW lr {ARGS.lr} betas (0.9, 0.95) "
          f"weight decay {ARGS.weight_decay}, clip {ARGS.grad_clip}; {ARGS.warmup} warm-up steps, {ARGS.steps} timed")

    times, losses = [], []
    for step in range(total):
        t0 = time.perf_counter()
        ids = batch()
        logits, aux = model(ids[:, :-1], with_aux=True)
        lm_loss = F.cross_entropy(logits.reshape(-1, V), ids[:, 1:].reshape(-1))
        loss = lm_loss + aux
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), ARGS.grad_clip)
        opt.step()
        sched.step()
        lm = lm_loss.item()
        dt = time.perf_counter() - t0
        losses.append(lm)
        if step >= ARGS.warmup:
            times.append(dt)
        print(f"step {step + 1}: lm loss {lm:.4f}, aux {aux.item():.4f}, grad norm {grad_norm.item():.3f}, "
              f"{dt * 1000:.1f} ms{' (warm-up)' if step < ARGS.warmup else ''}", file=sys.stderr)
    med = median(times)
    tps = B * T / med
    print(f"initial lm loss {losses[0]:.4f} (ln {V} = {math.log(V):.4f}), last {losses[-1]:.4f}")
    print(f"median step {med * 1000:.1f} ms (min {min(times) * 1000:.1f}), {tps:.0f} tokens/s")
    print(json.dumps({"mode": "train", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "blas": blas_library(), "parameters": count_parameters(model), "batch": B, "context": T,
                      "steps_timed": len(times), "median_step_ms": round(med * 1000, 3),
                      "min_step_ms": round(min(times) * 1000, 3), "tokens_per_s": round(tps, 1),
                      "initial_loss": round(losses[0], 4), "last_loss": round(losses[-1], 4)}))


def decode(config):
    model = build(config)
    model.eval()
    V = config["vocab_size"]
    batches = [int(b) for b in ARGS.batch.split(",")]
    if ARGS.prompt_tokens + ARGS.decode_steps > config["context_length"]:
        sys.exit("torch_lm: --prompt-tokens + --decode-steps must fit the context")
    if ARGS.rounds < 3:
        sys.exit("torch_lm: --rounds must be >= 3 (the first 2 are warm-up)")
    describe(model, config)
    print(f"decode: {ARGS.prompt_tokens}-token prompts prefilled, {ARGS.decode_steps} greedy steps timed per round, "
          f"median and min over rounds 3 to {ARGS.rounds}")

    def ms_per_step(B):
        prompt = torch.tensor([[(i * 7 + b) % V for i in range(ARGS.prompt_tokens)] for b in range(B)])
        caches = model.new_caches(B)
        logits, _ = model(prompt, caches, last_only=True)  # prefill, not timed
        elapsed = 0.0
        for _ in range(ARGS.decode_steps):
            nxt = logits.argmax(dim=-1, keepdim=True)  # (B, 1), greedy
            t0 = time.perf_counter()
            logits, _ = model(nxt, caches, last_only=True)
            elapsed += time.perf_counter() - t0
        return elapsed * 1000 / ARGS.decode_steps

    per_batch = {b: [] for b in batches}
    with torch.inference_mode():
        for r in range(1, ARGS.rounds + 1):
            for b in batches:
                ms = ms_per_step(b)
                if r > 2:
                    per_batch[b].append(ms)
                print(f"round {r}, batch {b}: {ms:.3f} ms per step{' (warm-up)' if r <= 2 else ''}", file=sys.stderr)
    rows = []
    print("\n| batch | median step (ms) | min step (ms) | tokens/s |\n|---:|---:|---:|---:|")
    for b in batches:
        med = median(per_batch[b])
        rows.append({"batch": b, "median_step_ms": round(med, 4), "min_step_ms": round(min(per_batch[b]), 4),
                     "tokens_per_s": round(b * 1000 / med, 1)})
        print(f"| {b} | {med:.3f} | {min(per_batch[b]):.3f} | {b * 1000 / med:.0f} |")
    print(json.dumps({"mode": "decode", "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "blas": blas_library(), "parameters": count_parameters(model), "prompt_tokens": ARGS.prompt_tokens,
                      "decode_steps": ARGS.decode_steps, "rounds_counted": ARGS.rounds - 2, "rows": rows}))


def generate(config):
    if not ARGS.run:
        sys.exit("torch_lm: --mode generate needs --run (a trained moe4j run) for its tokenizer and weights")
    model = build(config)
    model.eval()
    points = read_tokenizer(ARGS.run)
    index = {cp: i for i, cp in enumerate(points)}
    ids = [index[ord(ch)] for ch in ARGS.prompt]
    ids = ids[-config["context_length"]:]
    if len(ids) + ARGS.max_tokens > config["context_length"]:
        sys.exit("torch_lm: prompt + --max-tokens must fit the context here (no context shift)")
    out = []
    with torch.inference_mode():
        caches = model.new_caches(1)
        logits, _ = model(torch.tensor([ids]), caches, last_only=True)
        for _ in range(ARGS.max_tokens):
            nxt = int(logits.argmax(dim=-1))
            out.append(nxt)
            logits, _ = model(torch.tensor([[nxt]]), caches, last_only=True)
    text = "".join(chr(points[i]) for i in out)
    print(ARGS.prompt + text)
    print(json.dumps({"mode": "generate", "prompt": ARGS.prompt, "completion": text, "ids": out}))


def main():
    torch.set_num_threads(ARGS.threads)
    config = read_run_config(ARGS.run) if ARGS.run else dict(DEFAULT_CONFIG)
    {"train": train, "decode": decode, "generate": generate}[ARGS.mode](config)


if __name__ == "__main__":
    main()
