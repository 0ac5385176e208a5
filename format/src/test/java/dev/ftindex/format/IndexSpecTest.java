package dev.ftindex.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.IndexSpec.FieldType;
import dev.ftindex.format.IndexSpec.SpecException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexSpecTest {
    @TempDir
    Path temp;

    private static IndexSpec parse(String json) {
        return IndexSpec.parse(json.getBytes(UTF_8), "spec.json");
    }

    @Test
    void aFullSpecParsesWithDefaultsFilledIn() {
        IndexSpec spec = parse("""
                {"idField": "id",
                 "fields": {
                   "title": {"type": "text", "stored": true, "analyzer": "english"},
                   "body": {"type": "text", "analyzer": "folded"},
                   "source": {"type": "keyword", "stored": true},
                   "year": {"type": "long"},
                   "rank": {"type": "double"}
                 },
                 "analyzers": {"folded": {"tokenizer": {"name": "standard"},
                                          "filters": [{"name": "lowercase"}, {"name": "asciiFolding", "params": {"preserveOriginal": "true"}}]}}}
                """);

        assertThat(spec.idField()).isEqualTo("id");
        assertThat(spec.fields()).containsOnlyKeys("title", "body", "source", "year", "rank");
        assertThat(spec.fields().get("year").type()).isEqualTo(FieldType.LONG);
        assertThat(spec.fields().get("body").stored()).isFalse();
        assertThat(spec.defaultSearchFields()).containsExactly("body", "title");
        assertThat(spec.similarity()).isEqualTo(IndexSpec.SimilaritySpec.DEFAULT);
    }

    @Test
    void theFingerprintDependsOnMeaningOnly() {
        IndexSpec implicit = parse("""
                {"idField": "id", "fields": {"b": {"type": "text"}, "a": {"type": "keyword"}}}""");
        IndexSpec explicit = parse("""
                {"fields": {"a": {"type": "keyword", "stored": false}, "b": {"type": "text", "analyzer": "standard", "stored": false}},
                 "similarity": {"type": "BM25", "k1": 1.2, "b": 0.75}, "defaultSearchFields": ["b"], "idField": "id"}""");
        IndexSpec different = parse("""
                {"idField": "id", "fields": {"b": {"type": "text"}, "a": {"type": "keyword"}}, "similarity": {"type": "BM25", "k1": 1.5, "b": 0.75}}""");

        assertThat(implicit.fingerprint()).isEqualTo(explicit.fingerprint()).startsWith("sha256:");
        assertThat(different.fingerprint()).isNotEqualTo(implicit.fingerprint());
        assertThat(IndexSpec.defaultSpec().fingerprint()).isEqualTo(IndexSpec.defaultSpec().fingerprint());
    }

    @Test
    void specsSurviveASerializationRoundTrip() {
        IndexSpec spec = parse("""
                {"idField": "id", "fields": {"t": {"type": "text", "analyzer": "x"}},
                 "analyzers": {"x": {"charFilters": [{"name": "htmlStrip"}], "tokenizer": {"name": "whitespace"}, "filters": [{"name": "lowercase"}]}}}""");

        IndexSpec again = IndexSpec.parse(Json.write(spec), "round trip");

        assertThat(again).isEqualTo(spec);
        assertThat(again.fingerprint()).isEqualTo(spec.fingerprint());
    }

    @Test
    void invalidSpecsNameTheFieldAndTheProblem() {
        assertThatThrownBy(() -> parse("{\"idField\": \"id\", \"fields\": {\"x\": {\"type\": \"txt\"}}}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("spec.json").hasMessageContaining("unknown field type 'txt'")
                .hasMessageContaining("fields.x.type");
        assertThatThrownBy(() -> parse("{\"idField\": \"id\", \"fields\": {\"year\": {\"type\": \"long\", \"analyzer\": \"english\"}}}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("field 'year': an analyzer only applies to text fields");
        assertThatThrownBy(() -> parse("{\"idField\": \"id\", \"fields\": {\"t\": {\"type\": \"text\", \"analyzer\": \"klingon\"}}}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("field 't': unknown analyzer 'klingon'");
        assertThatThrownBy(() -> parse("{\"fields\": {\"t\": {\"type\": \"text\"}}}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("\"idField\" is missing");
        assertThatThrownBy(() -> parse("{\"idField\": \"t\", \"fields\": {\"t\": {\"type\": \"text\"}}}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("field 't' is the id field");
        assertThatThrownBy(() -> parse("{\"idField\": \"id\", \"fields\": {\"t\": {\"type\": \"text\"}}, \"similarity\": {\"type\": \"BM25\", \"k1\": 1.2, \"b\": 2}}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("b must be between 0 and 1");
        assertThatThrownBy(() -> parse("{\"idField\": \"id\", \"fields\": {\"t\": {\"type\": \"text\"}}, \"defaultSearchFields\": [\"nope\"]}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("'nope' is not a declared field");
        assertThatThrownBy(() -> parse("{\"idField\": \"id\", \"fields\": {\"t\": {\"type\": \"text\", \"analyzer\": \"a\"}},"
                + " \"analyzers\": {\"a\": {\"tokenizer\": {\"name\": \"standard\"}, \"filters\": [{\"name\": \"noSuchFilter\"}]}}}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("analyzer 'a': token filter 'noSuchFilter'");
        assertThatThrownBy(() -> parse("{\"idField\": \"id\", \"fields\": {\"t\": {\"type\": \"text\"}}, \"feilds\": {}}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("feilds");
        assertThatThrownBy(() -> parse("{\"idField\": \"id\", \"fields\": {\"t\": {\"type\": \"text\"}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("spec.json: invalid index spec");
        assertThatThrownBy(() -> parse("{\"idField\": \"id\", \"fields\": {}}"))
                .isInstanceOf(SpecException.class).hasMessageContaining("\"fields\" is empty");
    }

    @Test
    void aSpecFileIsNamedInErrors() throws Exception {
        Path missing = temp.resolve("missing.json");
        assertThatThrownBy(() -> IndexSpec.read(missing)).isInstanceOf(SpecException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("no such spec file");

        Path broken = Files.writeString(temp.resolve("broken.json"), "{\"idField\": 3, \"fields\": {\"t\": {\"type\": \"text\"}}, \"x\": }");
        assertThatThrownBy(() -> IndexSpec.read(broken)).isInstanceOf(SpecException.class)
                .hasMessageContaining(broken.toString()).hasMessageContaining("line 1");
    }

    @Test
    void theDefaultSpecIndexesTitleAndContents() {
        IndexSpec spec = IndexSpec.defaultSpec();

        assertThat(spec.idField()).isEqualTo("id");
        assertThat(spec.fields()).containsOnlyKeys("title", "contents");
        assertThat(spec.defaultSearchFields()).containsExactly("title", "contents");
    }
}
