package org.moe4j.cli.chat;

/** Where the text of an answer goes as it is generated: the model's thinking, and the answer itself. */
public interface AnswerSink {
    void thinking(String text);

    void answer(String text);
}
