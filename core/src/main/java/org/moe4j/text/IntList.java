package org.moe4j.text;

import java.util.Arrays;

/** A growable int array (the ids of an encoding as they are produced). */
public final class IntList {
    private int[] items;
    private int size;

    public IntList(int capacity) {
        items = new int[Math.max(4, capacity)];
    }

    public void add(int v) {
        if (size == items.length) {
            items = Arrays.copyOf(items, items.length * 2);
        }
        items[size++] = v;
    }

    public void addAll(int[] vs) {
        if (size + vs.length > items.length) {
            items = Arrays.copyOf(items, Math.max(items.length * 2, size + vs.length));
        }
        System.arraycopy(vs, 0, items, size, vs.length);
        size += vs.length;
    }

    public int get(int i) {
        return items[i];
    }

    public int size() {
        return size;
    }

    public int[] toArray() {
        return Arrays.copyOf(items, size);
    }
}
