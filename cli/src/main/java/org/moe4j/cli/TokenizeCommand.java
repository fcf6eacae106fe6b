package org.moe4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.moe4j.io.Json;
import org.moe4j.io.JsonException;
import org.moe4j.text.hf.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code moe4j tokenize PATH}: a Hugging Face tokenizer.json as a filter. Each line of standard
 * input is one JSON string and gives one line with the JSON array of its ids; with
 * {@code --decode}, each line is a JSON array of ids and gives the JSON string they decode to. One
 * line out per line in, so the output lines up with the input; a line that is not the expected
 * JSON stops the command with its line number.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Encode JSON strings read one per line from standard input with a Hugging Face tokenizer.json, "
                + "printing one JSON array of ids per line; --decode turns arrays of ids back into JSON strings.",
                "Example: echo '\"Hello world\"' | moe4j tokenize MODEL_DIR"})
final class TokenizeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH", description = "a model folder (with tokenizer.json) or a tokenizer.json file")
    Path path;

    @Option(names = "--decode", description = "Read JSON arrays of ids and print the decoded text as JSON strings.")
    boolean decode;

    @Option(names = "--add-special-tokens", description = "When encoding, add the post-processor's tokens (e.g. a BOS), "
            + "as add_special_tokens=True does.")
    boolean addSpecialTokens;

    @Option(names = "--skip-special-tokens", description = "When decoding, leave the special tokens out.")
    boolean skipSpecialTokens;

    @Override
    public Integer call() throws IOException {
        if (decode && addSpecialTokens) {
            throw new IllegalArgumentException("--add-special-tokens is for encoding; with --decode use --skip-special-tokens");
        }
        if (!decode && skipSpecialTokens) {
            throw new IllegalArgumentException("--skip-special-tokens is for --decode; when encoding use --add-special-tokens");
        }
        HfTokenizer tokenizer = HfTokenizer.load(path);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        String line;
        int number = 0;
        while ((line = in.readLine()) != null) {
            number++;
            Object value;
            try {
                value = Json.parse(line);
            } catch (JsonException e) {
                throw new IllegalArgumentException("input line " + number + " is not JSON: " + e.getMessage());
            }
            out.println(decode ? Json.quote(tokenizer.decode(ids(value, number, tokenizer.vocabSize()), skipSpecialTokens))
                    : Json.write(idList(tokenizer.encode(text(value, number), addSpecialTokens))));
            if (!in.ready()) {
                out.flush();
            }
        }
        out.flush();
        return 0;
    }

    private static String text(Object value, int line) {
        if (value instanceof String s) {
            return s;
        }
        throw new IllegalArgumentException("input line " + line + " is not a JSON string (encoding reads one JSON string per line;"
                + " --decode reads arrays of ids)");
    }

    private static int[] ids(Object value, int line, int vocabSize) {
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("input line " + line + " is not a JSON array of ids (--decode reads one array per line)");
        }
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            if (!(list.get(i) instanceof Long id) || id < 0 || id >= vocabSize) {
                throw new IllegalArgumentException("input line " + line + ", element " + i + " is " + Json.write(list.get(i))
                        + ": ids are integers in [0, " + vocabSize + ")");
            }
            ids[i] = (int) (long) id;
        }
        return ids;
    }

    private static List<Long> idList(int[] ids) {
        List<Long> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add((long) id);
        }
        return out;
    }
}
