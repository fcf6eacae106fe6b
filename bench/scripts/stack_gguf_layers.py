"""A deeper GGUF file of the same shape from a shallow one, for speed and memory measurements at full
size without the disk for a full-size source folder: layer i of OUT is a copy of layer i % L of IN
(block_count set to --layers; every other tensor and key copied as it is). The weights are random
anyway in the benchmark folders; the point is the file's size and layout.

    stack_gguf_layers.py IN.gguf OUT.gguf --layers 48
"""
import argparse
import re

import gguf

ap = argparse.ArgumentParser()
ap.add_argument("src")
ap.add_argument("out")
ap.add_argument("--layers", type=int, required=True)
a = ap.parse_args()

r = gguf.GGUFReader(a.src)
arch = r.fields["general.architecture"].contents()
L = r.fields[f"{arch}.block_count"].contents()
w = gguf.GGUFWriter(a.out, arch=arch)
for k, f in r.fields.items():
    if k.startswith("GGUF.") or k == "general.architecture":
        continue
    if k == f"{arch}.block_count":
        w.add_uint32(k, a.layers)
    elif f.types[0] == gguf.GGUFValueType.ARRAY:
        w.add_key_value(k, f.contents(), f.types[0], f.types[-1])
    else:
        w.add_key_value(k, f.contents(), f.types[0])
by_name = {t.name: t for t in r.tensors}
pattern = re.compile(r"blk\.(\d+)\.(.*)")


def add(name, t):
    # the reader's data is already in the writer's layout: bytes per row for block types, elements otherwise
    w.add_tensor(name, t.data, raw_dtype=t.tensor_type)


for t in r.tensors:
    if not pattern.match(t.name):
        add(t.name, t)
for i in range(a.layers):
    for t in r.tensors:
        m = pattern.match(t.name)
        if m and int(m.group(1)) == i % L:
            add(f"blk.{i}.{m.group(2)}", t)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file(progress=False)
w.close()
