"""Encoding speed of the Hugging Face `tokenizers` library on one text, one thread: the peer of
`moe4j bench tokenizer`, with the same protocol (the first call timed alone, then WARMUP untimed
calls, then the median of RUNS timed calls of Tokenizer.encode(text, add_special_tokens=False)).
Prints the same line: 'tokenizer load_s first_call_s median_s min_s MB/s tokens bytes'.

Usage: python hf_tokenizers_encode.py TOKENIZER_JSON TEXT_FILE [WARMUP] [RUNS]
"""
import os
import sys
import time

# one thread: the library's Rayon pool and its own parallelism switch
os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

from tokenizers import Tokenizer  # noqa: E402 (after the environment is set)


def main():
    path, text_file = sys.argv[1], sys.argv[2]
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    text = open(text_file, encoding="utf-8").read()
    t0 = time.perf_counter()
    tok = Tokenizer.from_file(path)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    tokens = len(tok.encode(text, add_special_tokens=False).ids)
    first = time.perf_counter() - t0
    for _ in range(warmup):
        tok.encode(text, add_special_tokens=False)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        n = len(tok.encode(text, add_special_tokens=False).ids)
        times.append(time.perf_counter() - t0)
        assert n == tokens, (n, tokens)
    times.sort()
    median = times[runs // 2] if runs % 2 else (times[runs // 2 - 1] + times[runs // 2]) / 2
    size = len(text.encode("utf-8"))
    print("tokenizer %.3f %.4f %.4f %.4f %.2f %d %d" % (load, first, median, times[0], size / median / 1e6, tokens, size))


if __name__ == "__main__":
    main()
