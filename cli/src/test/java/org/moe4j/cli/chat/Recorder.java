package org.moe4j.cli.chat;

/** An {@link AnswerSink} that keeps what it is given, and the order of the sections as "T" and "A" runs. */
final class Recorder implements AnswerSink {
    final StringBuilder thinking = new StringBuilder();
    final StringBuilder answer = new StringBuilder();
    final StringBuilder order = new StringBuilder();

    @Override
    public void thinking(String text) {
        thinking.append(text);
        if (!text.isEmpty() && (order.isEmpty() || order.charAt(order.length() - 1) != 'T')) order.append('T');
    }

    @Override
    public void answer(String text) {
        answer.append(text);
        if (!text.isEmpty() && (order.isEmpty() || order.charAt(order.length() - 1) != 'A')) order.append('A');
    }
}
