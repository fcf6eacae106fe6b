// A small driver of the prebuilt llama.cpp of node-llama-cpp 3.21.1 (libllama.v0.4.0.so), for moe4j's
// comparisons. Usage:
//   llama_run logits MODEL.gguf THREADS OUT.f32 ID ID ...     all positions' logits (T x V float32, little-endian)
//   llama_run greedy MODEL.gguf THREADS N ID ID ...           prints the N greedy ids after the prompt
//   llama_run bench MODEL.gguf THREADS PROMPT_LEN DECODE_N    prompt processing and decode tokens/s (random ids)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "llama.h"
#include "ggml-backend.h"

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static struct llama_context * open_ctx(struct llama_model * model, int threads, int n_ctx, int n_batch) {
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = n_ctx;
    cp.n_batch = n_batch;
    cp.n_ubatch = n_batch;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.no_perf = 1;
    if (getenv("LLAMA_RUN_F32_KV")) {
        // float32 keys and values, no flash attention: the closest llama.cpp gets to a float32 reference
        cp.type_k = GGML_TYPE_F32;
        cp.type_v = GGML_TYPE_F32;
        cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    }
    return llama_init_from_model(model, cp);
}

static int argmax(const float * v, int n) { int b = 0; for (int i = 1; i < n; i++) if (v[i] > v[b]) b = i; return b; }

int main(int argc, char ** argv) {
    if (argc < 5) { fprintf(stderr, "usage: see the comment at the top of llama_run.c\n"); return 2; }
    const char * mode = argv[1];
    const char * path = argv[2];
    int threads = atoi(argv[3]);
    ggml_backend_load_all_from_path(BACKEND_DIR);
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    double t0 = now();
    struct llama_model * model = llama_model_load_from_file(path, mp);
    if (!model) { fprintf(stderr, "llama_run: could not load %s\n", path); return 1; }
    fprintf(stderr, "llama_run: loaded in %.2f s\n", now() - t0);
    int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    if (strcmp(mode, "logits") == 0) {
        int T = argc - 5;
        llama_token * ids = malloc(sizeof(llama_token) * T);
        for (int i = 0; i < T; i++) ids[i] = atoi(argv[5 + i]);
        struct llama_context * ctx = open_ctx(model, threads, T < 64 ? 64 : T, T);
        struct llama_batch b = llama_batch_init(T, 0, 1);
        for (int i = 0; i < T; i++) { b.token[i] = ids[i]; b.pos[i] = i; b.n_seq_id[i] = 1; b.seq_id[i][0] = 0; b.logits[i] = 1; }
        b.n_tokens = T;
        if (llama_decode(ctx, b) != 0) { fprintf(stderr, "llama_run: decode failed\n"); return 1; }
        FILE * f = fopen(argv[4], "wb");
        for (int i = 0; i < T; i++) fwrite(llama_get_logits_ith(ctx, i), sizeof(float), n_vocab, f);
        fclose(f);
        fprintf(stderr, "llama_run: %d x %d logits\n", T, n_vocab);
    } else if (strcmp(mode, "greedy") == 0) {
        int N = atoi(argv[4]);
        int T = argc - 5;
        struct llama_context * ctx = open_ctx(model, threads, T + N + 8, T + 8);
        llama_token * ids = malloc(sizeof(llama_token) * (T + N));
        for (int i = 0; i < T; i++) ids[i] = atoi(argv[5 + i]);
        if (llama_decode(ctx, llama_batch_get_one(ids, T)) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
        for (int s = 0; s < N; s++) {
            llama_token next = argmax(llama_get_logits_ith(ctx, -1), n_vocab);
            printf("%d%s", next, s + 1 < N ? " " : "\n");
            ids[T + s] = next;
            if (llama_decode(ctx, llama_batch_get_one(&ids[T + s], 1)) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
        }
    } else if (strcmp(mode, "bench") == 0) {
        int P = atoi(argv[4]), N = atoi(argv[5]);
        struct llama_context * ctx = open_ctx(model, threads, P + N + 8, P > 0 ? P : 8);
        llama_token * ids = malloc(sizeof(llama_token) * (P + N + 1));
        srand(7);
        for (int i = 0; i < P + N + 1; i++) ids[i] = rand() % n_vocab;
        double pp = 0;
        if (P > 0) {
            double a = now();
            if (llama_decode(ctx, llama_batch_get_one(ids, P)) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
            pp = P / (now() - a);
        } else {
            llama_decode(ctx, llama_batch_get_one(ids, 1));
        }
        // warm-up step, then timed greedy-free decode of N tokens
        double a = now();
        for (int s = 0; s < N; s++) {
            if (llama_decode(ctx, llama_batch_get_one(&ids[P + s], 1)) != 0) { fprintf(stderr, "decode failed\n"); return 1; }
        }
        double tg = N / (now() - a);
        printf("{\"prompt_tokens\": %d, \"prompt_tokens_per_s\": %.2f, \"decode_tokens\": %d, \"decode_tokens_per_s\": %.2f, \"threads\": %d}\n",
               P, pp, N, tg, threads);
    } else {
        fprintf(stderr, "llama_run: unknown mode %s\n", mode);
        return 2;
    }
    return 0;
}
