package org.moe4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.moe4j.model.FeedForwardSpec;
import org.moe4j.model.TransformerConfig;
import org.moe4j.run.RunFolder;

/** What {@code moe4j inspect RUN} prints: the model's parameters, in total and active per token. */
final class RunInspection {
    private RunInspection() {}

    static void print(Path folder, PrintWriter out) throws IOException {
        RunFolder.Description d = new RunFolder(folder).readDescription();
        TransformerConfig c = d.model();
        long embed = (long) c.vocabSize() * c.dModel();
        long attention = c.attentionParameters();
        out.printf("%s: %d layers, width %d, %d heads (%d key/value), context %d, vocabulary %d%n", folder, c.layers(), c.dModel(),
                c.heads(), c.kvHeads(), c.contextLength(), c.vocabSize());
        out.printf("%-28s %14s %14s%n", "part", "parameters", "active/token");
        out.printf("%-28s %,14d %,14d%n", "embed_tokens", embed, embed);
        for (int l = 0; l < c.layers(); l++) {
            FeedForwardSpec f = c.feedForward().get(l);
            out.printf("%-28s %,14d %,14d%n", "layer " + l + " attention", attention, attention);
            out.printf("%-28s %,14d %,14d%n", "layer " + l + " norms", 2L * c.dModel(), 2L * c.dModel());
            out.printf("%-28s %,14d %,14d%n", "layer " + l + " " + f.moduleName(), f.totalParameters(c.dModel()),
                    f.activeParameters(c.dModel()));
            for (String line : f.describe(c.dModel())) out.printf("    %s%n", line);
        }
        out.printf("%-28s %,14d %,14d%n", "norm", (long) c.dModel(), (long) c.dModel());
        if (!c.tieEmbeddings()) out.printf("%-28s %,14d %,14d%n", "lm_head", embed, embed);
        out.printf("%-28s %,14d %,14d%n", "total", c.totalParameters(), c.activeParameters());
        out.flush();
    }
}
