package org.moe4j.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.moe4j.server.CompletionServer;
import org.moe4j.server.KvCacheConfig;
import org.moe4j.infer.OpenModel;
import org.moe4j.server.ServedModel;
import org.moe4j.server.ServerConfig;
import org.moe4j.server.ServerWarmUp;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code moe4j serve MODEL_DIR}: an OpenAI-compatible chat and completion server with continuous batching, until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over HTTP: POST /v1/chat/completions (with the model's chat template) and POST /v1/completions "
                + "(OpenAI-compatible, streaming with \"stream\": true), GET /v1/models, GET /health, GET /metrics (Prometheus). "
                + "A web chat at http://HOST:PORT/. Requests are batched continuously over a paged KV cache; Ctrl-C stops."})
final class ServeCommand implements Callable<Integer> {
    static final String API_KEY_ENV = "MOE4J_API_KEY";

    @Parameters(index = "0", paramLabel = "MODEL", description = "a run folder written by moe4j train, a Hugging Face model folder or a GGUF file")
    Path run;

    @Option(names = "--context", paramLabel = "N",
            description = "Positions each sequence holds (default: the model's, at most " + OpenModel.DEFAULT_CONTEXT_CAP + ").")
    int context = 0;

    @Option(names = "--host", description = "Address to bind (default ${DEFAULT-VALUE}: this machine only; give 0.0.0.0 to serve the network).")
    String host = ServerConfig.LOOPBACK;

    @Option(names = "--port", description = "TCP port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port = ServerConfig.DEFAULT_PORT;

    @Option(names = "--api-key", description = "Require 'Authorization: Bearer KEY' (default: the " + API_KEY_ENV + " environment variable, else no key).")
    String apiKey;

    @Option(names = "--max-batch", description = "Sequences decoded together at most (default ${DEFAULT-VALUE}).")
    int maxBatch = ServerConfig.defaults().maxBatch();

    @Option(names = "--max-queue", description = "Requests waiting at most; beyond, 429 (default ${DEFAULT-VALUE}).")
    int maxQueue = ServerConfig.defaults().maxQueue();

    @Option(names = "--max-tokens", description = "Largest max_tokens a request may ask for (default ${DEFAULT-VALUE}).")
    int maxTokens = ServerConfig.defaults().maxTokens();

    @Option(names = "--max-body-bytes", description = "Largest request body (default ${DEFAULT-VALUE}).")
    int maxBodyBytes = ServerConfig.defaults().maxBodyBytes();

    @Option(names = "--request-timeout", description = "Seconds before an unfinished request is cancelled (default ${DEFAULT-VALUE}).")
    long requestTimeoutSeconds = ServerConfig.defaults().requestTimeout().toSeconds();

    @Option(names = "--kv-blocks", paramLabel = "N", description = "Blocks of the paged KV cache shared by all sequences (default: "
            + "--max-batch whole contexts if they fit in a quarter of the heap, else what fits; at least one context).")
    int kvBlocks = 0;

    @Option(names = "--block-size", paramLabel = "N", description = "Positions per KV block, a power of two (default ${DEFAULT-VALUE}).")
    int blockSize = KvCacheConfig.defaults().blockSize();

    @Option(names = "--prefill-chunk", paramLabel = "N", description = "Most prompt tokens read in one step, so long prompts do not "
            + "stall the others' decoding (default ${DEFAULT-VALUE}).")
    int prefillChunk = KvCacheConfig.defaults().prefillChunk();

    @Option(names = "--no-prefix-reuse", description = "Do not share the KV blocks of common prompt prefixes (a system prompt) between requests.")
    boolean noPrefixReuse;

    @Option(names = "--warm-up", paramLabel = "SECONDS", description = "Decode made-up requests this long before listening, then "
            + "ask the server's own /health once, so the first users get compiled code, not the JIT's first seconds (default "
            + "${DEFAULT-VALUE}; 0: neither; not with --distributed, whose ranks hold parts of the model).")
    double warmUpSeconds = 3;

    @Option(names = "--distributed", description = "Run as one rank of an MPI job (mpirun -np N moe4j serve MODEL --distributed):"
            + " every rank loads the model and computes its share of the experts, rank 0 answers HTTP. Prefix reuse is off.")
    boolean distributed;

    @picocli.CommandLine.Mixin
    ExpertOptions experts = new ExpertOptions();

    /** The API key: --api-key, else the environment's, else none. */
    String key() {
        return apiKey != null ? apiKey : System.getenv(API_KEY_ENV);
    }

    /** The server's settings from the options; prefix reuse off when {@code noReuse} (a serving group needs it off). */
    ServerConfig config(boolean noReuse) {
        KvCacheConfig kv = new KvCacheConfig(kvBlocks, blockSize, prefillChunk,
                noPrefixReuse || noReuse ? KvCacheConfig.PrefixReuse.OFF : KvCacheConfig.PrefixReuse.ON);
        return new ServerConfig(host, port, key(), maxBodyBytes, maxBatch, maxQueue, maxTokens,
                Duration.ofSeconds(requestTimeoutSeconds), kv);
    }

    @Override
    public Integer call() throws Exception {
        if (distributed) return DistributedServing.run(this);
        String key = key();
        ServerConfig config = config(false);
        ServerWarmUp.checkSeconds(warmUpSeconds);
        experts.check(); // before the model loads and warms up, not seconds later
        ServedModel model = ServedModel.load(run, context);
        if (warmUpSeconds > 0) {
            // before the experts kept in RAM are chosen: they are counted from real requests' routing only
            ServerWarmUp.Result w = ServerWarmUp.run(model, config.maxBatch(), warmUpSeconds);
            System.err.printf(java.util.Locale.ROOT, "warmed up in %.1f s: %d made-up requests, %d tokens%n", w.seconds(), w.requests(), w.tokens());
        }
        var residency = experts.apply(model.model());
        CompletionServer server = CompletionServer.start(model, config);
        if (warmUpSeconds > 0) server.checkHealth();
        if (residency != null) server.metrics().expertResidency(residency::stats);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            experts.report(residency, System.err);
            stopped.countDown();
        }));
        System.err.println("serving " + model.name() + " (context " + model.contextLength() + ") on " + server.baseUri()
                + (key == null ? "" : " (API key required)") + (model.hasChatTemplate() ? "" : "; no chat template: /v1/completions only")
                + "; Ctrl-C stops");
        if (!server.address().getAddress().isLoopbackAddress() && key == null) {
            System.err.println("warning: listening beyond this machine without an API key (--api-key or " + API_KEY_ENV + ")");
        }
        stopped.await();
        return 0;
    }
}
