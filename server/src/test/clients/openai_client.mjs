// Talks to a running moe4j server with the official `openai` npm package, as a user's program
// would, and prints what it got as one JSON object for the JUnit test (OfficialClientsTest) to check.
// Usage: node openai_client.mjs BASE_URL API_KEY MODEL [TOOLS_BASE_URL]
// TOOLS_BASE_URL: a server whose model answers with a <tool_call> block, for the tool-call checks.
import OpenAI from 'openai';

const [baseURL, apiKey, model, toolsURL] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30_000 });
const messages = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Tell me about whales.' },
];
const out = {};

const chat = await client.chat.completions.create({ model, messages, max_completion_tokens: 24, temperature: 0 });
out.chat = {
  object: chat.object,
  content: chat.choices[0].message.content,
  reasoning: chat.choices[0].message.reasoning_content ?? null,
  finish: chat.choices[0].finish_reason,
  usage: chat.usage,
};

const stream = await client.chat.completions.create({
  model, messages, max_tokens: 24, temperature: 0, stream: true, stream_options: { include_usage: true },
});
let content = '';
let reasoning = '';
let finish = null;
let usage = null;
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  for (const choice of chunk.choices) {
    content += choice.delta.content ?? '';
    reasoning += choice.delta.reasoning_content ?? '';
    finish = choice.finish_reason ?? finish;
  }
}
out.stream = { content, reasoning, finish, usage, chunks };

const legacy = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 12, temperature: 0 });
out.completion = { text: legacy.choices[0].text, finish: legacy.choices[0].finish_reason, usage: legacy.usage };

let legacyStreamed = '';
for await (const chunk of await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 12, temperature: 0, stream: true })) {
  legacyStreamed += chunk.choices[0]?.text ?? '';
}
out.completionStream = legacyStreamed;

out.models = (await client.models.list()).data.map((m) => m.id);

// a stream the user stops after the first piece: the client aborts and the server frees the slot
const controller = new AbortController();
let stoppedAfter = 0;
try {
  const long = await client.chat.completions.create(
    { model, messages, max_tokens: 400, temperature: 0, stream: true }, { signal: controller.signal });
  for await (const chunk of long) {
    stoppedAfter++;
    if (stoppedAfter === 3) {
      controller.abort();
      break;
    }
  }
} catch (e) {
  out.abort = e.constructor.name;
}
out.stoppedAfter = stoppedAfter;
out.aborted = controller.signal.aborted;

async function error(call) {
  try {
    await call();
    return null;
  } catch (e) {
    return { name: e.constructor.name, status: e.status, param: e.param ?? null, message: e.message };
  }
}
out.errors = {
  emptyMessages: await error(() => client.chat.completions.create({ model, messages: [] })),
  badRole: await error(() => client.chat.completions.create({ model, messages: [{ role: 'wizard', content: 'hi' }] })),
  unknownModel: await error(() => client.chat.completions.create({ model: 'gpt-4o', messages })),
  badTools: await error(() => client.chat.completions.create({ model, messages, tools: [{ type: 'function' }] })),
  wrongKey: await error(() => new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0 }).models.list()),
};

// a burst: good and bad requests at once; every good one must come back whole and equal
const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => i % 3 === 2
  ? error(() => client.chat.completions.create({ model, messages: [{ role: 'user' }] }))
  : client.chat.completions.create({ model, messages, max_tokens: 24, temperature: 0 }).then((r) => r.choices[0].message.content)));
out.burst = burst;

if (toolsURL) {
  const tc = new OpenAI({ baseURL: toolsURL, apiKey, maxRetries: 0, timeout: 30_000 });
  const request = {
    model, messages: [{ role: 'user', content: 'Weather in Oslo?' }], max_tokens: 200, stop: ['\nEND'],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  };
  const r = await tc.chat.completions.create(request);
  out.tools = { finish: r.choices[0].finish_reason, content: r.choices[0].message.content, calls: r.choices[0].message.tool_calls };
  // the SDK's stream helper assembles the tool_calls deltas into a final message, as agent frameworks do
  const final = await tc.chat.completions.stream(request).finalChatCompletion();
  out.toolsStream = { finish: final.choices[0].finish_reason, content: final.choices[0].message.content, calls: final.choices[0].message.tool_calls };
}

console.log(JSON.stringify(out));
