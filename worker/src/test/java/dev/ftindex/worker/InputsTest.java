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
}
