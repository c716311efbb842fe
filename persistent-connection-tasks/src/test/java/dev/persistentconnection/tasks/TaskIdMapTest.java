package dev.persistentconnection.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TaskIdMapTest {

    @Test
    void putGetRemove() {
        TaskIdMap<String> map = new TaskIdMap<>();
        assertThat(map.isEmpty()).isTrue();
        assertThat(map.put(1, "a")).isNull();
        assertThat(map.put(-1, "minus")).isNull();
        assertThat(map.put(1, "b")).isEqualTo("a");
        assertThat(map.get(1)).isEqualTo("b");
        assertThat(map.get(-1)).isEqualTo("minus");
        assertThat(map.get(2)).isNull();
        assertThat(map.containsKey(-1)).isTrue();
        assertThat(map.size()).isEqualTo(2);
        assertThat(map.remove(1, "a")).isFalse();
        assertThat(map.remove(1, "b")).isTrue();
        assertThat(map.remove(1)).isNull();
        assertThat(map.size()).isEqualTo(1);
        map.clear();
        assertThat(map.isEmpty()).isTrue();
        assertThat(map.get(-1)).isNull();
        assertThatThrownBy(() -> map.put(3, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void behavesLikeAHashMapUnderRandomOperations() {
        Random random = new Random(42);
        TaskIdMap<Integer> map = new TaskIdMap<>();
        Map<Integer, Integer> reference = new HashMap<>();
        int nextId = Integer.MAX_VALUE - 5000; // wraps around to negative ids, as unsigned task ids do
        for (int step = 0; step < 100_000; step++) {
            int op = random.nextInt(10);
            if (op < 5) {
                int id = nextId++;
                assertThat(map.put(id, step)).isEqualTo(reference.put(id, step));
            } else if (op < 9 && !reference.isEmpty()) {
                // remove a random live id (like answers arriving out of order) or a random absent one
                int id = random.nextBoolean()
                        ? nextId - 1 - random.nextInt(Math.min(2000, reference.size() + 1))
                        : random.nextInt();
                assertThat(map.remove(id)).isEqualTo(reference.remove(id));
            } else {
                int id = nextId - random.nextInt(3000);
                assertThat(map.get(id)).isEqualTo(reference.get(id));
            }
            assertThat(map.size()).isEqualTo(reference.size());
        }
        List<Integer> values = new ArrayList<>();
        map.forEachValue(values::add);
        values.sort(null);
        List<Integer> expected = new ArrayList<>(reference.values());
        expected.sort(null);
        assertThat(values).isEqualTo(expected);
        for (Map.Entry<Integer, Integer> e : reference.entrySet()) {
            assertThat(map.get(e.getKey())).isEqualTo(e.getValue());
        }
    }
}
