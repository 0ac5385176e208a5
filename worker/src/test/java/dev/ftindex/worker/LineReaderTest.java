package dev.ftindex.worker;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LineReaderTest {
    @Test
    void rangesCutAnywhereReadEveryLineExactlyOnce() throws IOException {
        Random random = new Random(1);
        for (int round = 0; round < 200; round++) {
            List<String> expected = new ArrayList<>();
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            int lines = random.nextInt(30);
            for (int i = 0; i < lines; i++) {
                String line = "line-" + i + "-" + "x".repeat(random.nextInt(random.nextInt(5) == 0 ? 3000 : 20));
                expected.add(line);
                content.writeBytes(line.getBytes(UTF_8));
                content.writeBytes(random.nextInt(4) == 0 ? "\r\n".getBytes(UTF_8) : "\n".getBytes(UTF_8));
                if (random.nextInt(10) == 0) {
                    content.writeBytes("  \n".getBytes(UTF_8));
                }
            }
            byte[] bytes = content.toByteArray();
            if (random.nextBoolean() && bytes.length > 0 && bytes[bytes.length - 1] == '\n') {
                // Sometimes no newline at the end.
                bytes = java.util.Arrays.copyOf(bytes, bytes.length - 1);
                if (bytes.length > 0 && bytes[bytes.length - 1] == '\r') {
                    bytes = java.util.Arrays.copyOf(bytes, bytes.length - 1);
                }
            }
            int pieces = 1 + random.nextInt(12);
            List<Long> cuts = new ArrayList<>();
            cuts.add(0L);
            for (int p = 1; p < pieces; p++) {
                cuts.add((long) random.nextInt(bytes.length + 1));
            }
            cuts.add((long) bytes.length);
            cuts.sort(null);

            List<String> read = new ArrayList<>();
            for (int p = 0; p + 1 < cuts.size(); p++) {
                read.addAll(readRange(bytes, cuts.get(p), cuts.get(p + 1)));
            }

            assertThat(read).as("round %d with cuts %s", round, cuts).isEqualTo(expected);
        }
    }

    @Test
    void lineNumbersAndOffsetsAreExactFromTheStart() throws IOException {
        byte[] bytes = "a\n\nbb\r\nccc".getBytes(UTF_8);
        LineReader reader = new LineReader(new ByteArrayInputStream(bytes), 0, bytes.length);

        assertThat(reader.next()).isTrue();
        assertThat(reader.lineNumber()).isEqualTo(1);
        assertThat(reader.next()).isTrue();
        assertThat(reader.lineNumber()).isEqualTo(3);
        assertThat(reader.lineOffset()).isEqualTo(3);
        assertThat(new String(reader.buffer(), reader.lineStart(), reader.lineLength(), UTF_8)).isEqualTo("bb");
        assertThat(reader.next()).isTrue();
        assertThat(reader.lineNumber()).isEqualTo(4);
        assertThat(reader.next()).isFalse();
    }

    @Test
    void linesLongerThanTheBufferGrowIt() throws IOException {
        String longLine = "y".repeat(5 << 20);
        byte[] bytes = ("short\n" + longLine + "\nend\n").getBytes(UTF_8);

        assertThat(readRange(bytes, 0, bytes.length)).containsExactly("short", longLine, "end");
        assertThat(readRange(bytes, 3, bytes.length)).containsExactly(longLine, "end");
    }

    private static List<String> readRange(byte[] bytes, long start, long end) throws IOException {
        int from = (int) (start == 0 ? 0 : start - 1);
        LineReader reader = new LineReader(new ByteArrayInputStream(bytes, from, bytes.length - from), start, end);
        List<String> lines = new ArrayList<>();
        while (reader.next()) {
            lines.add(new String(reader.buffer(), reader.lineStart(), reader.lineLength(), UTF_8));
        }
        return lines;
    }
}
