// The moe4j web chat: one page, no build step. It reads the served model from GET /v1/models and
// streams answers from POST /v1/chat/completions (or, for a model without a chat template, from
// POST /v1/completions with the conversation written as a transcript). Stop aborts the request,
// which also frees the server's batch slot.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { model: null, chat: true, context: 0, messages: [], controller: null };

function headers() {
  const h = { 'Content-Type': 'application/json' };
  const key = $('api-key').value.trim();
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

async function loadModel() {
  const info = $('model');
  try {
    const r = await fetch('/v1/models', { headers: headers() });
    if (!r.ok) throw new Error((await r.json()).error.message);
    const m = (await r.json()).data[0];
    state.model = m.id;
    state.context = m.context_length;
    state.chat = m.chat_template !== false;
    info.textContent = `${m.id} · context ${m.context_length} tokens · ${state.chat ? 'chat template' : 'no chat template: plain completions'}`;
    info.dataset.state = 'ready';
  } catch (e) {
    info.textContent = 'cannot read the model: ' + e.message;
    info.dataset.state = 'error';
  }
}

function bubble(role, text) {
  const div = document.createElement('div');
  div.className = 'message ' + role;
  const label = document.createElement('span');
  label.className = 'role';
  label.textContent = role;
  const content = document.createElement('div');
  content.className = 'content';
  content.textContent = text;
  div.append(label, content);
  $('conversation').append(div);
  div.scrollIntoView({ block: 'end' });
  return div;
}

function reasoningBlock(div) {
  let d = div.querySelector('details.reasoning');
  if (!d) {
    d = document.createElement('details');
    d.className = 'reasoning';
    d.innerHTML = '<summary>thinking</summary><div class="text"></div>';
    div.insertBefore(d, div.querySelector('.content'));
  }
  return d.querySelector('.text');
}

function note(div, text) {
  const n = document.createElement('span');
  n.className = 'note';
  n.textContent = text;
  div.insertBefore(n, div.querySelector('.content'));
}

// Server-sent events from a fetch body: yields the JSON of every "data:" line until [DONE].
async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  while (true) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6);
        if (data === '[DONE]') return;
        yield JSON.parse(data);
      }
    }
  }
}

// The request for the conversation, leaving out its oldest `skip` messages (to fit the context).
function request(skip) {
  const temperature = Number($('temperature').value);
  const maxTokens = Number($('max-tokens').value);
  const system = $('system').value.trim();
  const messages = (system ? [{ role: 'system', content: system }] : []).concat(state.messages.slice(skip));
  if (state.chat) {
    return ['/v1/chat/completions', { model: state.model, messages, temperature, max_tokens: maxTokens, stream: true,
      stream_options: { include_usage: true } }];
  }
  const transcript = messages.map((m) => `${m.role === 'user' ? 'User' : m.role === 'system' ? 'System' : 'Assistant'}: ${m.content}`)
    .join('\n') + '\nAssistant:';
  return ['/v1/completions', { model: state.model, prompt: transcript, temperature, max_tokens: maxTokens, stream: true, stop: ['\nUser:'] }];
}

async function send(text) {
  state.messages.push({ role: 'user', content: text });
  bubble('user', text);
  const div = bubble('assistant', '');
  div.dataset.state = 'streaming';
  const content = div.querySelector('.content');
  const stats = $('stats');
  state.controller = new AbortController();
  $('send').disabled = true;
  $('stop').disabled = false;
  const started = performance.now();
  let firstAt = 0;
  let pieces = 0;
  let usage = null;
  let answer = '';
  let finish = null;
  const show = () => {
    const now = performance.now();
    const tokens = usage ? usage.completion_tokens : pieces;
    const decoding = firstAt ? (now - firstAt) / 1000 : 0;
    const rate = tokens > 1 && decoding > 0 ? ((tokens - 1) / decoding).toFixed(1) : '–';
    stats.textContent = `${tokens} tokens · ${rate} tokens/s · first token after ${firstAt ? ((firstAt - started) / 1000).toFixed(2) : '–'} s`
      + (finish ? ` · finish: ${finish}` : '');
  };
  try {
    // a conversation that outgrows the context leaves out its oldest turns, two messages at a time
    let r;
    for (let skip = 0; ; skip += 2) {
      const [path, body] = request(skip);
      r = await fetch(path, { method: 'POST', headers: headers(), body: JSON.stringify(body), signal: state.controller.signal });
      if (r.ok) {
        if (skip > 0) note(div, `the ${skip} oldest messages were left out to fit the model's context`);
        break;
      }
      const error = (await r.json()).error;
      if (!(r.status === 400 && error.message.includes('the context holds') && state.messages.length - skip > 2)) throw new Error(error.message);
    }
    for await (const chunk of events(r)) {
      if (chunk.error) throw new Error(chunk.error.message);
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        const delta = state.chat ? choice.delta : { content: choice.text };
        if (delta.reasoning_content) reasoningBlock(div).textContent += delta.reasoning_content;
        if (delta.content) {
          answer += delta.content;
          // a transcript continuation starts with the space or newline after "Assistant:"
          if (!state.chat) answer = answer.trimStart();
          content.textContent = answer;
        }
        if (delta.content || delta.reasoning_content) {
          pieces++;
          if (!firstAt) firstAt = performance.now();
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      show();
      div.scrollIntoView({ block: 'end' });
    }
    div.dataset.state = 'done';
  } catch (e) {
    if (e.name === 'AbortError') {
      div.dataset.state = 'stopped';
      finish = 'stopped';
    } else {
      div.classList.add('error');
      content.textContent = e.message;
      div.dataset.state = 'error';
    }
  } finally {
    show();
    stats.dataset.state = div.dataset.state;
    if (div.dataset.state !== 'error') state.messages.push({ role: 'assistant', content: answer });
    state.controller = null;
    $('send').disabled = false;
    $('stop').disabled = true;
  }
}

$('composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('input').value.trim();
  if (!text || state.controller) return;
  $('input').value = '';
  send(text);
});
$('input').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    $('composer').requestSubmit();
  }
});
$('stop').addEventListener('click', () => state.controller && state.controller.abort());
$('clear').addEventListener('click', () => {
  state.messages = [];
  $('conversation').replaceChildren();
  $('stats').textContent = '\u00a0';
});
$('api-key').addEventListener('change', loadModel);
loadModel();
