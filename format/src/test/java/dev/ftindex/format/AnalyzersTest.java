package dev.ftindex.format;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.junit.jupiter.api.Test;

class AnalyzersTest {
    @Test
    void everyBuiltInAnalyzerBuildsAndTokenizes() throws IOException {
        IndexSpec spec = IndexSpec.defaultSpec();
        for (String name : Analyzers.builtInNames()) {
            try (Analyzer analyzer = Analyzers.named(spec, name)) {
                assertThat(tokens(analyzer, "Hello World")).as(name).isNotEmpty();
            }
        }
        assertThat(Analyzers.builtInNames()).contains("standard", "english", "simple", "whitespace", "french", "german");
    }

    @Test
    void englishStemsAndStandardDoesNot() throws IOException {
        IndexSpec spec = IndexSpec.defaultSpec();
        try (Analyzer english = Analyzers.named(spec, "english"); Analyzer standard = Analyzers.named(spec, "standard")) {
            assertThat(tokens(english, "The running dogs")).containsExactly("run", "dog");
            assertThat(tokens(standard, "The running dogs")).containsExactly("the", "running", "dogs");
        }
    }

    @Test
    void customAnalyzersUseTheSpiNamesAndParameters() throws IOException {
        IndexSpec spec = IndexSpec.parse("""
                {"idField": "id", "fields": {"t": {"type": "text", "analyzer": "folded"}},
                 "analyzers": {"folded": {"charFilters": [{"name": "htmlStrip"}],
                                          "tokenizer": {"name": "whitespace"},
                                          "filters": [{"name": "lowercase"}, {"name": "asciiFolding"}]}}}
                """.getBytes(UTF_8), "spec");
        try (Analyzer perField = Analyzers.forSpec(spec)) {
            List<String> tokens = new ArrayList<>();
            try (TokenStream stream = perField.tokenStream("t", "<b>Crème</b> BRÛLÉE")) {
                CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
                stream.reset();
                while (stream.incrementToken()) {
                    tokens.add(term.toString());
                }
                stream.end();
            }
            assertThat(tokens).containsExactly("creme", "brulee");
        }
    }

    private static List<String> tokens(Analyzer analyzer, String text) throws IOException {
        List<String> tokens = new ArrayList<>();
        try (TokenStream stream = analyzer.tokenStream("f", text)) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                tokens.add(term.toString());
            }
            stream.end();
        }
        return tokens;
    }
}
