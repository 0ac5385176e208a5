package dev.ftindex.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.format.testing.TestDocuments;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.IndexableField;
import org.junit.jupiter.api.Test;

class DocumentMapperTest {
    private final DocumentMapper mapper = new DocumentMapper(TestDocuments.spec());

    private Document map(String json) throws BadRecordException {
        byte[] bytes = json.getBytes(UTF_8);
        return mapper.map(bytes, 0, bytes.length);
    }

    @Test
    void mapsEveryDeclaredFieldByType() throws BadRecordException {
        Document document = map("""
                {"id": "d1", "title": "Hello", "contents": "world", "year": 1999, "tags": ["a", "b"], "ignored": {"x": [1, 2]}}""");

        assertThat(document.get("id")).isEqualTo("d1");
        assertThat(document.get("title")).isEqualTo("Hello");
        assertThat(document.getField("contents").fieldType().stored()).isFalse();
        assertThat(document.getFields("tags")).extracting(IndexableField::stringValue).contains("a", "b");
        assertThat(document.getField("year").numericValue().longValue()).isEqualTo(1999L);
        assertThat(document.getFields("ignored")).isEmpty();
    }

    @Test
    void nullsAreAbsentAndIntegerIdsAreText() throws BadRecordException {
        Document document = map("{\"id\": 42, \"title\": null, \"year\": null}");

        assertThat(document.get("id")).isEqualTo("42");
        assertThat(document.getFields("title")).isEmpty();
        assertThat(document.getFields("year")).isEmpty();
    }

    @Test
    void badRecordsNameTheFieldAndTheProblem() {
        assertProblem("{\"id\": \"a\", \"title\": \"x\"", "invalid JSON");
        assertProblem("[1, 2]", "expected a JSON object, found an array");
        assertProblem("{\"title\": \"x\"}", "missing id field 'id'");
        assertProblem("{\"id\": \"\"}", "id field 'id' is empty");
        assertProblem("{\"id\": {\"a\": 1}}", "id field 'id': expected a string or an integer, found an object");
        assertProblem("{\"id\": \"a\", \"year\": \"1999\"}", "field 'year' is long: expected an integer, found a string");
        assertProblem("{\"id\": \"a\", \"year\": 19.5}", "field 'year' is long: expected an integer, found a decimal number");
        assertProblem("{\"id\": \"a\", \"year\": 99999999999999999999}", "field 'year': 99999999999999999999 is out of range for a long");
        assertProblem("{\"id\": \"a\", \"title\": 3}", "field 'title' is text: expected a string, found an integer");
        assertProblem("{\"id\": \"a\", \"tags\": [[\"x\"]]}", "field 'tags': expected a string or an array of them, found a nested an array");
        assertProblem("{\"id\": \"a\"} {\"id\": \"b\"}", "unexpected content after the JSON object");
        assertProblem("{\"id\": \"a\", \"id\": \"b\"}", "Duplicate field 'id'");
    }

    @Test
    void invalidUtf8IsABadRecord() {
        byte[] bytes = {'{', '"', 'i', 'd', '"', ':', '"', 'a', (byte) 0xff, (byte) 0xfe, '"', '}'};

        assertThatThrownBy(() -> mapper.map(bytes, 0, bytes.length))
                .isInstanceOf(BadRecordException.class)
                .hasMessageContaining("UTF-8");
    }

    private void assertProblem(String json, String problem) {
        assertThatThrownBy(() -> map(json)).as(json).isInstanceOf(BadRecordException.class).hasMessageContaining(problem);
    }
}
