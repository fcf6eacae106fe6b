"""Talks to a running moe4j server with the official `openai` Python package, as a user's program
would, and prints what it got as one JSON object for the JUnit test (OfficialClientsTest) to check.
Usage: python openai_client.py BASE_URL API_KEY MODEL
"""
import json
import sys

import openai
from openai import OpenAI

base_url, api_key, model = sys.argv[1:4]
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
print(json.dumps(out))
