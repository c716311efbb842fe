package dev.persistentconnection.tasks;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Tasks by task id, without boxing: open addressing with linear probing on an {@code int} key, deletion by
 * shifting back (no tombstones), so a long-lived connection's table never fills up with dead slots. Task ids are
 * handed out in sequence, so the hash only has to spread consecutive ids. Not thread-safe: one event loop owns it.
 */
final class TaskIdMap<V> {
    private static final int MIN_CAPACITY = 16;

    private int[] keys;
    private Object[] values;
    private int size;
    private int mask;

    TaskIdMap() {
        allocate(MIN_CAPACITY);
    }

    private void allocate(int capacity) {
        keys = new int[capacity];
        values = new Object[capacity];
        mask = capacity - 1;
    }

    private int slot(int key) {
        int h = key * 0x9E3779B9; // Fibonacci hashing: consecutive ids land far apart
        return (h ^ (h >>> 16)) & mask;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    @SuppressWarnings("unchecked")
    V get(int key) {
        for (int i = slot(key); values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return (V) values[i];
            }
        }
        return null;
    }

    boolean containsKey(int key) {
        return get(key) != null;
    }

    /** Maps {@code key} to {@code value} (not null); returns the previous value or null. */
    @SuppressWarnings("unchecked")
    V put(int key, V value) {
        if (value == null) {
            throw new NullPointerException("value");
        }
        int i = slot(key);
        for (; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                V old = (V) values[i];
                values[i] = value;
                return old;
            }
        }
        keys[i] = key;
        values[i] = value;
        if (++size > (mask + 1) * 3 / 4) {
            grow();
        }
        return null;
    }

    /** Removes {@code key}; returns its value or null. */
    @SuppressWarnings("unchecked")
    V remove(int key) {
        int i = slot(key);
        for (; values[i] != null; i = (i + 1) & mask) {
            if (keys[i] == key) {
                V old = (V) values[i];
                shiftBack(i);
                size--;
                return old;
            }
        }
        return null;
    }

    /** Removes {@code key} only if it maps to {@code value}. */
    boolean remove(int key, V value) {
        if (get(key) != value || value == null) {
            return false;
        }
        remove(key);
        return true;
    }

    /** Closes the gap at {@code gap}: moves later entries of the same probe run back into it. */
    private void shiftBack(int gap) {
        int i = gap;
        while (true) {
            i = (i + 1) & mask;
            if (values[i] == null) {
                break;
            }
            int home = slot(keys[i]);
            // The entry at i may move to gap if its home is not in the cyclic range (gap, i].
            boolean movable = gap <= i ? (home <= gap || home > i) : (home <= gap && home > i);
            if (movable) {
                keys[gap] = keys[i];
                values[gap] = values[i];
                gap = i;
            }
        }
        values[gap] = null;
        keys[gap] = 0;
    }

    private void grow() {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        allocate(oldKeys.length * 2);
        size = 0;
        for (int j = 0; j < oldKeys.length; j++) {
            if (oldValues[j] != null) {
                reinsert(oldKeys[j], oldValues[j]);
            }
        }
    }

    private void reinsert(int key, Object value) {
        int i = slot(key);
        while (values[i] != null) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        size++;
    }

    /** Calls {@code action} for every value; the action must not change the map. */
    @SuppressWarnings("unchecked")
    void forEachValue(Consumer<? super V> action) {
        for (Object v : values) {
            if (v != null) {
                action.accept((V) v);
            }
        }
    }

    void clear() {
        if (values.length > MIN_CAPACITY) {
            allocate(MIN_CAPACITY);
        } else {
            Arrays.fill(values, null);
        }
        size = 0;
    }
}
