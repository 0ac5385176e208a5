package dev.ftindex.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputsTest {
    @TempDir
    Path temp;

    private List<String> names(List<String> arguments) {
        return Inputs.resolve(arguments, location -> {
            throw new AssertionError("no S3 here");
        }).stream().map(file -> temp.relativize(Path.of(file.name())).toString()).toList();
    }

    @Test
    void filesDirectoriesAndGlobsExpandSortedWithoutDuplicates() throws Exception {
        for (String name : List.of("a/1.jsonl", "a/2.jsonl.gz", "a/sub/3.ndjson", "a/notes.txt", "a/.hidden.jsonl", "b/4.json")) {
            Files.createDirectories(temp.resolve(name).getParent());
            Files.writeString(temp.resolve(name), "{}\n");
        }

        assertThat(names(List.of(temp.resolve("a").toString())))
                .containsExactly("a/1.jsonl", "a/2.jsonl.gz", "a/sub/3.ndjson");
        assertThat(names(List.of(temp + "/a/*.jsonl*", temp.resolve("a/1.jsonl").toString(), "file://" + temp.resolve("b/4.json"))))
                .containsExactly("a/1.jsonl", "a/2.jsonl.gz", "b/4.json");
        assertThat(names(List.of(temp + "/**/*.json"))).containsExactly("b/4.json");
    }

    @Test
    void anythingThatMatchesNothingIsAnError() throws Exception {
        Files.createDirectories(temp.resolve("empty"));

        assertThatThrownBy(() -> names(List.of(temp.resolve("missing.jsonl").toString())))
                .hasMessageContaining("missing.jsonl").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> names(List.of(temp + "/empty/*.jsonl")))
                .hasMessageContaining("matches no file");
        assertThatThrownBy(() -> names(List.of(temp.resolve("empty").toString())))
                .hasMessageContaining("matches no file");
        assertThatThrownBy(() -> names(List.of())).hasMessageContaining("no input");
    }

    @Test
    void aFileNamedTwiceAndCopiesAreReportedByPathAndSize() throws Exception {
        Path a = Files.createDirectories(temp.resolve("in")).resolve("a.jsonl");
        Files.writeString(a, "{\"id\": \"1\"}\n{\"id\": \"2\"}\n");
        Files.createDirectories(temp.resolve("in/backup"));
        Files.copy(a, temp.resolve("in/backup/a-copy.jsonl"));
        // The same size, other bytes: not a copy.
        Files.writeString(temp.resolve("in/b.jsonl"), "{\"id\": \"3\"}\n{\"id\": \"4\"}\n");

        Inputs.Listing listing = Inputs.list(List.of(temp.resolve("in").toString(), a.toString()), location -> {
            throw new AssertionError("no S3 here");
        });

        assertThat(listing.files()).hasSize(3);
        assertThat(listing.repeats()).hasSize(2);
        Inputs.Repeat twice = listing.repeats().get(0);
        assertThat(twice.kind()).isEqualTo(Inputs.Repeat.Kind.GIVEN_TWICE);
        assertThat(twice.names()).containsExactly(a.toString());
        assertThat(twice.arguments()).containsExactly(temp.resolve("in").toString(), a.toString());
        assertThat(twice.describe()).contains(a.toString()).contains("(24 bytes)").contains("it is read once");
        Inputs.Repeat copy = listing.repeats().get(1);
        assertThat(copy.kind()).isEqualTo(Inputs.Repeat.Kind.COPY);
        assertThat(copy.names()).containsExactly(a.toString(), temp.resolve("in/backup/a-copy.jsonl").toString());
        assertThat(copy.describe()).contains("look like copies").contains("24 bytes each").contains("indexed 2 times");

        assertThat(Inputs.list(List.of(temp.resolve("in/b.jsonl").toString(), a.toString()), location -> null).repeats())
                .as("files of one size with other bytes").isEmpty();
    }

    @Test
    void largeCopiesAreComparedByTheirFirstAndLastBytes() throws Exception {
        byte[] big = new byte[3 * Inputs.SAMPLE];
        java.util.Arrays.fill(big, (byte) 'x');
        Files.write(temp.resolve("one.jsonl"), big);
        Files.write(temp.resolve("two.jsonl"), big);
        big[big.length - 1] = 'y';
        Files.write(temp.resolve("three.jsonl"), big);

        List<Inputs.Repeat> repeats = Inputs.list(List.of(temp.toString()), location -> null).repeats();

        assertThat(repeats).singleElement().satisfies(repeat -> assertThat(repeat.names())
                .containsExactly(temp.resolve("one.jsonl").toString(), temp.resolve("two.jsonl").toString()));
    }
}
