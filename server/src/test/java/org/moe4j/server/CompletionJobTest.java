package org.moe4j.server;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.moe4j.infer.SamplingConfig;
import org.moe4j.text.ByteTokenizer;
import org.junit.jupiter.api.Test;

class CompletionJobTest {
    /** Draws "hello" greedily (one-hot logits per step) and returns the events the job posted. */
    private static List<CompletionEvent> drawHello(boolean streamed) {
        CompletionJob job = new CompletionJob(new Generation(new int[] {65}, 5, SamplingConfig.greedy(), List.of()), new ByteTokenizer(), streamed);
        job.start(null, 0, 64); // no sequence: only the drawing is exercised
        String word = "hello";
        for (int i = 0; i < word.length(); i++) {
            float[] logits = new float[256];
            logits[word.charAt(i)] = 1;
            assertEquals(i == word.length() - 1, job.advance(logits, 0, 256, Set.of()), "ends at max_tokens");
        }
        return new ArrayList<>(job.events());
    }

    @Test
    void aStreamedJobSendsTextAsItIsDrawnAnAnswerInOneEvent() {
        List<CompletionEvent> streamed = drawHello(true);
        assertEquals(6, streamed.size(), "a text event per token, then the end: " + streamed);
        List<CompletionEvent> whole = drawHello(false);
        assertEquals(List.of(new CompletionEvent.Text("hello"), new CompletionEvent.Finished("length", 1, 5)), whole);
        StringBuilder joined = new StringBuilder();
        for (CompletionEvent e : streamed) if (e instanceof CompletionEvent.Text t) joined.append(t.delta());
        assertEquals("hello", joined.toString());
        assertEquals(whole.getLast(), streamed.getLast());
    }

    @Test
    void anAnswerEndedByAStopIdSendsItsTextBeforeTheEnd() {
        CompletionJob job = new CompletionJob(new Generation(new int[] {65}, 9, SamplingConfig.greedy(), List.of()), new ByteTokenizer(), false);
        job.start(null, 0, 64);
        for (int id : new int[] {'o', 'k', 0}) {
            float[] logits = new float[256];
            logits[id] = 1;
            job.advance(logits, 0, 256, Set.of(0));
        }
        assertEquals(List.of(new CompletionEvent.Text("ok"), new CompletionEvent.Finished("stop", 1, 2)), new ArrayList<>(job.events()));
    }
}
