// The llama.cpp side of bench/scripts/compare-serving.sh: a loopback chat server over node-llama-cpp 3.21.1's
// prebuilt llama.cpp, with ONE context of N sequences (llama.cpp's parallel decoding: node-llama-cpp puts the
// pending tokens of all sequences into one llama_decode batch per step). It answers the subset of
// POST /v1/chat/completions that `moe4j bench serve --url ... --chat` sends (messages, max_tokens, temperature 0)
// with the same JSON fields it reads (usage.completion_tokens), so one load generator drives both servers.
//
//   node bench/scripts/llama_cpp_chat_server.mjs MODEL.gguf PORT SEQUENCES THREADS [NLC_DIR]
//
// NLC_DIR holds node_modules/node-llama-cpp (default /work/peers/nlc; bench/scripts/build-llama-run.sh installs it).
// The prompt is the Qwen3 chat template's rendering of the messages with the generation prompt
// ("<|im_start|>ROLE\nTEXT<|im_end|>\n" per message, then "<|im_start|>assistant\n"), which is what moe4j renders
// from the GGUF file's tokenizer.chat_template for these requests; compare-serving.sh checks that both servers
// report the same prompt_tokens. Greedy; an answer ends at max_tokens or at an end-of-generation token.
// A sequence keeps its tokens after an answer: the next request on it reuses the common prefix (node-llama-cpp's
// own way of reusing a sequence's cache), as moe4j reuses published prefix blocks.
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [modelPath, portArg, seqArg, threadArg, nlcDir = "/work/peers/nlc"] = process.argv.slice(2);
if (!modelPath || !portArg || !seqArg || !threadArg) {
    console.error("usage: node llama_cpp_chat_server.mjs MODEL.gguf PORT SEQUENCES THREADS [NLC_DIR]");
    process.exit(2);
}
const sequences = Number(seqArg);
const threads = Number(threadArg);
const { getLlama } = await import(pathToFileURL(path.join(nlcDir, "node_modules/node-llama-cpp/dist/index.js")).href);

const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: "error" });
const model = await llama.loadModel({ modelPath });
// 512 positions per sequence: a prompt of at most about 100 tokens and a short answer fit with room to spare
const context = await model.createContext({
    sequences, contextSize: 512 * sequences, batchSize: Math.max(512, sequences * 64), threads: { ideal: threads, min: threads },
});
const free = [];
for (let i = 0; i < sequences; i++) free.push(context.getSequence());
const waiting = [];

function acquire() {
    if (free.length > 0) return Promise.resolve(free.pop());
    return new Promise((resolve) => waiting.push(resolve));
}

function release(seq) {
    const next = waiting.shift();
    if (next) next(seq); else free.push(seq);
}

function render(messages) {
    let text = "";
    for (const m of messages) text += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
    return text + "<|im_start|>assistant\n";
}

async function answer(body) {
    const prompt = model.tokenize(render(body.messages), true);
    const maxTokens = body.max_tokens ?? body.max_completion_tokens ?? 32;
    const seq = await acquire();
    try {
        // keep the longest common prefix of the sequence's tokens and the prompt, leaving at least one prompt token to evaluate
        const held = seq.contextTokens;
        let common = 0;
        while (common < held.length && common < prompt.length - 1 && held[common] === prompt[common]) common++;
        if (common < seq.nextTokenIndex) await seq.eraseContextTokenRanges([{ start: common, end: seq.nextTokenIndex }]);
        const out = [];
        let finish = "length";
        for await (const token of seq.evaluate(prompt.slice(common), { temperature: 0 })) {
            if (model.isEogToken(token)) { finish = "stop"; break; }
            out.push(token);
            if (out.length >= maxTokens) break;
        }
        return {
            id: "chatcmpl-llama", object: "chat.completion", model: path.basename(modelPath),
            choices: [{ index: 0, message: { role: "assistant", content: model.detokenize(out) }, finish_reason: finish }],
            usage: { prompt_tokens: prompt.length, completion_tokens: out.length, total_tokens: prompt.length + out.length },
        };
    } finally {
        release(seq);
    }
}

const server = http.createServer((req, res) => {
    const send = (status, obj) => {
        const text = JSON.stringify(obj);
        res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
        res.end(text);
    };
    if (req.method === "GET" && req.url === "/v1/models") return send(200, { object: "list", data: [{ id: path.basename(modelPath) }] });
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") return send(404, { error: { message: "not found" } });
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
        let body;
        try {
            body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
            return send(400, { error: { message: "the body is not JSON" } });
        }
        answer(body).then((r) => send(200, r), (e) => send(500, { error: { message: String(e) } }));
    });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(portArg), "127.0.0.1", () => console.error(`llama.cpp (node-llama-cpp) serving ${modelPath} on 127.0.0.1:${portArg}, `
    + `${sequences} sequences, ${threads} threads, context ${context.contextSize}`));
