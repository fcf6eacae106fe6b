"""Makes the server's chat test model: server/src/test/resources/models/qwen3-chat.

The tiny random Qwen3-MoE of core's conformance cases (qwen3_moe_bf16: 2 layers, 16 experts, top-4,
vocabulary 512) with a tokenizer.json of Qwen3's pipeline (NFC, its split regex, byte-level) cut
down to the 256 byte tokens and Qwen3's chat tokens (<|endoftext|>, <|im_start|>, <|im_end|>,
<think>, </think>), so its ids fit the model, and Qwen3's chat template. eos is <|im_end|>.

Then, as a reference for the server's tests, transformers renders and tokenizes a few
conversations with apply_chat_template: expected_prompts.json.

Run with the reference venv: /work/V/bin/python scripts/make_chat_fixture.py
"""
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "core/src/test/resources/models/qwen3_moe_bf16"
TEMPLATE = ROOT / "templates/src/test/resources/chat/qwen3/tokenizer_config.json"
OUT = ROOT / "server/src/test/resources/models/qwen3-chat"


def bytes_to_unicode():
    """GPT-2's byte-to-character table: printable bytes stand for themselves, the rest move above U+0100."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copy(SRC / "model.safetensors", OUT / "model.safetensors")
    added = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"]
    ids = {t: 256 + i for i, t in enumerate(added)}
    config = json.loads((SRC / "config.json").read_text())
    config["bos_token_id"] = None
    config["eos_token_id"] = ids["<|im_end|>"]
    config["pad_token_id"] = ids["<|endoftext|>"]
    (OUT / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    generation = {"bos_token_id": None, "eos_token_id": [ids["<|im_end|>"], ids["<|endoftext|>"]],
                  "pad_token_id": ids["<|endoftext|>"], "do_sample": False, "transformers_version": config["transformers_version"]}
    (OUT / "generation_config.json").write_text(json.dumps(generation, indent=2) + "\n")

    table = bytes_to_unicode()
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    split = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
                          "special": "think" not in t} for t in added],
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": split}, "behavior": "Isolated", "invert": False}, byte_level]},
        "post_processor": byte_level,
        "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "", "end_of_word_suffix": "",
                  "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": {table[b]: b for b in range(256)}, "merges": []},
    }
    (OUT / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False, indent=1) + "\n")
    qwen = json.loads(TEMPLATE.read_text())
    tokenizer_config = {
        "tokenizer_class": "Qwen2Tokenizer", "model_max_length": 4096, "errors": "replace", "clean_up_tokenization_spaces": False,
        "add_prefix_space": False, "split_special_tokens": False, "bos_token": None, "eos_token": "<|im_end|>",
        "pad_token": "<|endoftext|>", "unk_token": None, "chat_template": qwen["chat_template"],
    }
    (OUT / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2) + "\n")
    write_references()


def write_references():
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(str(OUT))
    weather = {"type": "function", "function": {"name": "get_weather", "description": "The weather in a city",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
    cases = [
        {"messages": [{"role": "user", "content": "Hello, who are you?"}]},
        {"messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Name a whale. \u00e9\u20ac\U0001f433"}]},
        {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}, {"role": "user", "content": "And 3+3?"}],
         "kwargs": {"enable_thinking": False}},
        {"messages": [{"role": "user", "content": "Weather in Oslo?"}], "tools": [weather]},
    ]
    for case in cases:
        text = tok.apply_chat_template(case["messages"], tools=case.get("tools"), add_generation_prompt=True, tokenize=False,
                                       **case.get("kwargs", {}))
        case["text"] = text
        case["ids"] = tok(text, add_special_tokens=False)["input_ids"]
    (OUT / "expected_prompts.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n")
    print("wrote", OUT, [len(c["ids"]) for c in cases])


if __name__ == "__main__":
    main()
