package dev.ftindex.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    record Sample(String name, long value, Map<String, Long> counts) {}

    @Test
    void checksummedDocumentsRoundTripWithStableBytes() {
        Sample sample = new Sample("x", 12345, Map.of("b", 2L, "a", 1L));

        byte[] first = Json.writeChecksummed(sample);
        byte[] second = Json.writeChecksummed(new Sample("x", 12345, Map.of("a", 1L, "b", 2L)));

        assertThat(first).isEqualTo(second);
        assertThat(new String(first, UTF_8)).contains("\"checksum\" : \"sha256:");
        assertThat(Json.readChecksummed(first, Sample.class)).isEqualTo(sample);
    }

    @Test
    void aFlippedDigitIsCaughtByTheChecksum() {
        byte[] bytes = Json.writeChecksummed(new Sample("x", 12345, Map.of()));
        String text = new String(bytes, UTF_8).replace("12345", "12346");

        assertThatThrownBy(() -> Json.readChecksummed(text.getBytes(UTF_8), Sample.class))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("checksum mismatch");
    }

    @Test
    void truncationIsAParseErrorWithItsPosition() {
        byte[] bytes = Json.writeChecksummed(new Sample("x", 12345, Map.of("a", 1L)));
        byte[] truncated = Arrays.copyOf(bytes, bytes.length / 2);

        assertThatThrownBy(() -> Json.readChecksummed(truncated, Sample.class))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("end-of-input")
                .hasMessageContaining("line");
        assertThatThrownBy(() -> Json.readChecksummed(new byte[0], Sample.class))
                .isInstanceOf(FormatException.class);
    }

    @Test
    void aMissingChecksumIsRejected() {
        assertThatThrownBy(() -> Json.readChecksummed(Json.write(new Sample("x", 1, Map.of())), Sample.class))
                .isInstanceOf(FormatException.class)
                .hasMessageContaining("\"checksum\" member is missing");
    }
}
