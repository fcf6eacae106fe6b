"""Fixtures for moe4j's GGUF reader and block formats, written with gguf-py 0.19 (gguf.GGUFWriter, gguf.quants).

Writes core/src/test/resources/gguf/:
  quants.gguf     for each block format F of Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, MXFP4:
                    "F.blocks"    random blocks of F (scales drawn as sane halves, codes as random bytes; a few edge scales)
                    "F.decoded"   gguf.quants.dequantize of those blocks, F32
                  and for the formats gguf-py can write (Q8_0, Q4_0, MXFP4):
                    "F.source"    random F32 rows
                    "F.quantized" gguf.quants.quantize of them
                  plus "bf16.blocks" / "bf16.decoded", and metadata of every value type (see metadata.json)
  metadata.json   the metadata keys of quants.gguf with their types and values, as the reader must return them

Usage: /work/V/bin/python scripts/make_gguf_fixtures.py [OUT_DIR]
"""
import json
import sys
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf import GGUFValueType as V

OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "core/src/test/resources/gguf")
rng = np.random.default_rng(13)


def halves(n, scale):
    h = (rng.standard_normal(n) * scale).astype(np.float16)
    return h


def random_blocks(qtype, n_blocks):
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    b = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
    def put_half(at, values):
        b[:, at:at + 2] = values.view(np.uint8).reshape(n_blocks, 2)
    if qtype in (T.Q8_0, T.Q4_0):
        put_half(0, halves(n_blocks, 0.05))
    elif qtype in (T.Q4_K, T.Q5_K):
        put_half(0, halves(n_blocks, 0.01))
        put_half(2, np.abs(halves(n_blocks, 0.01)))
    elif qtype == T.Q6_K:
        put_half(208, halves(n_blocks, 0.005))
    elif qtype == T.MXFP4:
        b[:, 0] = rng.integers(100, 140, size=n_blocks)
        b[:4, 0] = [0, 1, 2, 254]  # subnormal scales and the largest finite one
    if qtype != T.MXFP4:
        # edge scales: zero, a subnormal half, the largest half
        at = {T.Q6_K: 208}.get(qtype, 0)
        for i, bits in enumerate([0x0000, 0x0001, 0x7BFF, 0x8400]):
            b[i, at:at + 2] = np.array([bits], dtype=np.uint16).view(np.uint8)
    return b


writer = gguf.GGUFWriter(str(OUT / "quants.gguf"), arch="moe4j-fixture")
meta = []


def kv(key, value, vtype, sub=None):
    writer.add_key_value(key, value, vtype, sub)
    # integers as decimal strings, so that 2^64 - 1 survives JSON
    as_json = (lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v)
    meta.append({"key": key, "type": vtype.name, "element": sub.name if sub else None,
                 "value": [as_json(v) for v in value] if isinstance(value, list) else as_json(value)})


kv("test.u8", 200, V.UINT8)
kv("test.i8", -100, V.INT8)
kv("test.u16", 60000, V.UINT16)
kv("test.i16", -30000, V.INT16)
kv("test.u32", 4000000000, V.UINT32)
kv("test.i32", -2000000000, V.INT32)
kv("test.f32", 0.1, V.FLOAT32)
kv("test.bool", True, V.BOOL)
kv("test.string", "h\u00e9llo \u4e16\u754c \U0001F600", V.STRING)
kv("test.u64", 18446744073709551615, V.UINT64)
kv("test.i64", -9223372036854775807, V.INT64)
kv("test.f64", 2.5e-300, V.FLOAT64)
kv("test.strings", ["a", "", "\u0120the", "<|im_end|>"], V.ARRAY, V.STRING)
kv("test.ints", [1, -2, 3], V.ARRAY, V.INT32)
kv("test.floats", [0.5, -1.25, 3.0e38], V.ARRAY, V.FLOAT32)
kv("test.bools", [True, False], V.ARRAY, V.BOOL)

formats = [T.Q8_0, T.Q4_0, T.Q4_K, T.Q5_K, T.Q6_K, T.MXFP4]
for q in formats:
    block, size = gguf.GGML_QUANT_SIZES[q]
    n_blocks = 64 if block == 32 else 16
    blocks = random_blocks(q, n_blocks)
    rows = 4
    raw = blocks.reshape(rows, -1)
    decoded = gguf.quants.dequantize(raw, q)
    name = q.name.lower()
    writer.add_tensor(name + ".blocks", raw, raw_dtype=q)
    writer.add_tensor(name + ".decoded", decoded.astype(np.float32))
    if q in (T.Q8_0, T.Q4_0, T.MXFP4):
        source = (rng.standard_normal((rows, block * 8)) * rng.choice([0.01, 1.0, 30.0], size=(rows, 1))).astype(np.float32)
        source[0, :block] = 0.0  # an all-zero block
        writer.add_tensor(name + ".source", source)
        writer.add_tensor(name + ".quantized", gguf.quants.quantize(source, q), raw_dtype=q)

bf = rng.standard_normal((3, 8)).astype(np.float32)
bf16 = gguf.quants.quantize(bf, T.BF16)
writer.add_tensor("bf16.blocks", bf16, raw_dtype=T.BF16)
writer.add_tensor("bf16.decoded", gguf.quants.dequantize(bf16, T.BF16).astype(np.float32))
f16 = (rng.standard_normal((2, 3, 4)) * 100).astype(np.float16)
writer.add_tensor("f16.rank3", f16)

writer.write_header_to_file()
writer.write_kv_data_to_file()
writer.write_tensors_to_file()
writer.close()

(OUT / "metadata.json").write_text(json.dumps(meta, indent=1, ensure_ascii=True) + "\n")
print("wrote", OUT / "quants.gguf", (OUT / "quants.gguf").stat().st_size, "bytes")
