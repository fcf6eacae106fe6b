package org.moe4j.templates.jinja;

import java.util.AbstractList;
import java.util.List;

/** A Python tuple: an immutable list that prints with parentheses and is unequal to a list. */
final class PyTuple extends AbstractList<Object> {
    private final Object[] items;

    PyTuple(List<?> items) {
        this.items = items.toArray();
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }
}
