"""Talks to a running moe4j server with the official `openai` Python package, as a user's program
would, and prints what it got as one JSON object for the JUnit test (OfficialClientsTest) to check.
Usage: python openai_client.py BASE_URL API_KEY MODEL [TOOLS_BASE_URL]
TOOLS_BASE_URL: a server whose model answers with a <tool_call> block, for the tool-call checks.
"""
import json
import sys

import openai
from openai import OpenAI

base_url, api_key, model = sys.argv[1:4]
tools_url = sys.argv[4] if len(sys.argv) > 4 else None
client = OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=30)
messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Tell me about whales."}]
out = {"version": openai.__version__}

chat = client.chat.completions.create(model=model, messages=messages, max_completion_tokens=24, temperature=0)
message = chat.choices[0].message
out["chat"] = {"object": chat.object, "content": message.content, "reasoning": getattr(message, "reasoning_content", None),
               "finish": chat.choices[0].finish_reason, "usage": chat.usage.model_dump()}

content, reasoning, finish, usage, chunks = "", "", None, None, 0
for chunk in client.chat.completions.create(model=model, messages=messages, max_tokens=24, temperature=0, stream=True,
                                            stream_options={"include_usage": True}):
    chunks += 1
    if chunk.usage:
        usage = chunk.usage.model_dump()
    for choice in chunk.choices:
        content += choice.delta.content or ""
        reasoning += getattr(choice.delta, "reasoning_content", None) or ""
        finish = choice.finish_reason or finish
out["stream"] = {"content": content, "reasoning": reasoning, "finish": finish, "usage": usage, "chunks": chunks}

legacy = client.completions.create(model=model, prompt="Once upon a time", max_tokens=12, temperature=0)
out["completion"] = {"text": legacy.choices[0].text, "finish": legacy.choices[0].finish_reason, "usage": legacy.usage.model_dump()}
out["models"] = [m.id for m in client.models.list().data]


def error(call):
    try:
        call()
        return None
    except openai.APIStatusError as e:
        body = e.body if isinstance(e.body, dict) else {}
        return {"name": type(e).__name__, "status": e.status_code, "param": body.get("param"), "message": body.get("message")}


out["errors"] = {
    "emptyMessages": error(lambda: client.chat.completions.create(model=model, messages=[])),
    "unknownModel": error(lambda: client.chat.completions.create(model="gpt-4o", messages=messages)),
    "badContent": error(lambda: client.chat.completions.create(model=model, messages=[{"role": "user", "content": 42}])),
}
if tools_url:
    tc = OpenAI(base_url=tools_url, api_key=api_key, max_retries=0, timeout=30)
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    r = tc.chat.completions.create(model=model, messages=[{"role": "user", "content": "Weather in Oslo?"}], tools=tools,
                                   stop=["\nEND"], max_tokens=200)
    choice = r.choices[0]
    out["tools"] = {"finish": choice.finish_reason, "content": choice.message.content,
                    "calls": [c.model_dump() for c in choice.message.tool_calls or []]}
print(json.dumps(out))
