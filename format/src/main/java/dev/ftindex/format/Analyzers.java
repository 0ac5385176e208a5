package dev.ftindex.format;

import dev.ftindex.format.IndexSpec.AnalyzerSpec;
import dev.ftindex.format.IndexSpec.Component;
import dev.ftindex.format.IndexSpec.FieldSpec;
import dev.ftindex.format.IndexSpec.FieldType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.ar.ArabicAnalyzer;
import org.apache.lucene.analysis.bg.BulgarianAnalyzer;
import org.apache.lucene.analysis.bn.BengaliAnalyzer;
import org.apache.lucene.analysis.br.BrazilianAnalyzer;
import org.apache.lucene.analysis.ca.CatalanAnalyzer;
import org.apache.lucene.analysis.cjk.CJKAnalyzer;
import org.apache.lucene.analysis.ckb.SoraniAnalyzer;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.core.SimpleAnalyzer;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.custom.CustomAnalyzer;
import org.apache.lucene.analysis.cz.CzechAnalyzer;
import org.apache.lucene.analysis.da.DanishAnalyzer;
import org.apache.lucene.analysis.de.GermanAnalyzer;
import org.apache.lucene.analysis.el.GreekAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.es.SpanishAnalyzer;
import org.apache.lucene.analysis.et.EstonianAnalyzer;
import org.apache.lucene.analysis.eu.BasqueAnalyzer;
import org.apache.lucene.analysis.fa.PersianAnalyzer;
import org.apache.lucene.analysis.fi.FinnishAnalyzer;
import org.apache.lucene.analysis.fr.FrenchAnalyzer;
import org.apache.lucene.analysis.ga.IrishAnalyzer;
import org.apache.lucene.analysis.gl.GalicianAnalyzer;
import org.apache.lucene.analysis.hi.HindiAnalyzer;
import org.apache.lucene.analysis.hu.HungarianAnalyzer;
import org.apache.lucene.analysis.hy.ArmenianAnalyzer;
import org.apache.lucene.analysis.id.IndonesianAnalyzer;
import org.apache.lucene.analysis.it.ItalianAnalyzer;
import org.apache.lucene.analysis.lt.LithuanianAnalyzer;
import org.apache.lucene.analysis.lv.LatvianAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.nl.DutchAnalyzer;
import org.apache.lucene.analysis.no.NorwegianAnalyzer;
import org.apache.lucene.analysis.pt.PortugueseAnalyzer;
import org.apache.lucene.analysis.ro.RomanianAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.sr.SerbianAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.sv.SwedishAnalyzer;
import org.apache.lucene.analysis.th.ThaiAnalyzer;
import org.apache.lucene.analysis.tr.TurkishAnalyzer;

/** Builds the Lucene analyzers of a spec: built-in ones by name, custom ones through the SPI. */
public final class Analyzers {
    private static final Map<String, Supplier<Analyzer>> BUILT_IN = builtIns();

    private Analyzers() {}

    private static Map<String, Supplier<Analyzer>> builtIns() {
        Map<String, Supplier<Analyzer>> analyzers = new TreeMap<>();
        analyzers.put("standard", StandardAnalyzer::new);
        analyzers.put("simple", SimpleAnalyzer::new);
        analyzers.put("whitespace", WhitespaceAnalyzer::new);
        analyzers.put("keyword", KeywordAnalyzer::new);
        analyzers.put("english", EnglishAnalyzer::new);
        analyzers.put("arabic", ArabicAnalyzer::new);
        analyzers.put("armenian", ArmenianAnalyzer::new);
        analyzers.put("basque", BasqueAnalyzer::new);
        analyzers.put("bengali", BengaliAnalyzer::new);
        analyzers.put("brazilian", BrazilianAnalyzer::new);
        analyzers.put("bulgarian", BulgarianAnalyzer::new);
        analyzers.put("catalan", CatalanAnalyzer::new);
        analyzers.put("cjk", CJKAnalyzer::new);
        analyzers.put("czech", CzechAnalyzer::new);
        analyzers.put("danish", DanishAnalyzer::new);
        analyzers.put("dutch", DutchAnalyzer::new);
        analyzers.put("estonian", EstonianAnalyzer::new);
        analyzers.put("finnish", FinnishAnalyzer::new);
        analyzers.put("french", FrenchAnalyzer::new);
        analyzers.put("galician", GalicianAnalyzer::new);
        analyzers.put("german", GermanAnalyzer::new);
        analyzers.put("greek", GreekAnalyzer::new);
        analyzers.put("hindi", HindiAnalyzer::new);
        analyzers.put("hungarian", HungarianAnalyzer::new);
        analyzers.put("indonesian", IndonesianAnalyzer::new);
        analyzers.put("irish", IrishAnalyzer::new);
        analyzers.put("italian", ItalianAnalyzer::new);
        analyzers.put("latvian", LatvianAnalyzer::new);
        analyzers.put("lithuanian", LithuanianAnalyzer::new);
        analyzers.put("norwegian", NorwegianAnalyzer::new);
        analyzers.put("persian", PersianAnalyzer::new);
        analyzers.put("portuguese", PortugueseAnalyzer::new);
        analyzers.put("romanian", RomanianAnalyzer::new);
        analyzers.put("russian", RussianAnalyzer::new);
        analyzers.put("serbian", SerbianAnalyzer::new);
        analyzers.put("sorani", SoraniAnalyzer::new);
        analyzers.put("spanish", SpanishAnalyzer::new);
        analyzers.put("swedish", SwedishAnalyzer::new);
        analyzers.put("thai", ThaiAnalyzer::new);
        analyzers.put("turkish", TurkishAnalyzer::new);
        return analyzers;
    }

    public static boolean isBuiltIn(String name) {
        return BUILT_IN.containsKey(name);
    }

    public static List<String> builtInNames() {
        return List.copyOf(BUILT_IN.keySet());
    }

    /**
     * The analyzer for a whole document of this spec: each text field with its own analyzer;
     * other fields are indexed as single tokens and never reach it.
     */
    public static Analyzer forSpec(IndexSpec spec) {
        Map<String, Analyzer> byName = new HashMap<>();
        Map<String, Analyzer> byField = new HashMap<>();
        for (Map.Entry<String, FieldSpec> field : spec.fields().entrySet()) {
            if (field.getValue().type() == FieldType.TEXT) {
                String name = field.getValue().analyzer();
                byField.put(field.getKey(), byName.computeIfAbsent(name, n -> named(spec, n)));
            }
        }
        return new PerFieldAnalyzerWrapper(new KeywordAnalyzer(), byField);
    }

    /** A built-in analyzer, or one defined in the spec. */
    public static Analyzer named(IndexSpec spec, String name) {
        Supplier<Analyzer> builtIn = BUILT_IN.get(name);
        if (builtIn != null) {
            return builtIn.get();
        }
        AnalyzerSpec custom = spec.analyzers().get(name);
        if (custom == null) {
            throw new IndexSpec.SpecException("unknown analyzer '" + name + "'");
        }
        return buildCustom(name, custom);
    }

    static Analyzer buildCustom(String name, AnalyzerSpec spec) {
        if (spec.tokenizer() == null || spec.tokenizer().name() == null) {
            throw new IndexSpec.SpecException("analyzer '" + name + "': \"tokenizer\" is missing, e.g. {\"name\": \"standard\"}");
        }
        String component = "tokenizer '" + spec.tokenizer().name() + "'";
        try {
            CustomAnalyzer.Builder builder = CustomAnalyzer.builder();
            for (Component charFilter : spec.charFilters()) {
                component = "char filter '" + charFilter.name() + "'";
                builder.addCharFilter(requireName(charFilter), new HashMap<>(charFilter.params()));
            }
            component = "tokenizer '" + spec.tokenizer().name() + "'";
            builder.withTokenizer(spec.tokenizer().name(), new HashMap<>(spec.tokenizer().params()));
            for (Component filter : spec.filters()) {
                component = "token filter '" + filter.name() + "'";
                builder.addTokenFilter(requireName(filter), new HashMap<>(filter.params()));
            }
            return builder.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IndexSpec.SpecException("analyzer '" + name + "': " + component + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("analyzer '" + name + "': " + component, e);
        }
    }

    private static String requireName(Component component) {
        if (component.name() == null || component.name().isBlank()) {
            throw new IllegalArgumentException("\"name\" is missing");
        }
        return component.name();
    }
}
