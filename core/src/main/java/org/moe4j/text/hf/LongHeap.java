package org.moe4j.text.hf;

import java.util.Arrays;

/** A binary min-heap of longs: BPE's merge candidates keyed by (rank << 32 | position). */
final class LongHeap {
    private long[] heap;
    private int size;

    LongHeap(int capacity) {
        heap = new long[Math.max(4, capacity)];
    }

    boolean isEmpty() {
        return size == 0;
    }

    void push(long v) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= v) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
    }

    long pop() {
        long top = heap[0];
        long last = heap[--size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = last;
        return top;
    }
}
