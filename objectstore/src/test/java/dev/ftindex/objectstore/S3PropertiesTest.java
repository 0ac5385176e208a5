package dev.ftindex.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The store's option keys, defaults and validation: the one translation every engine uses. */
class S3PropertiesTest {
    @Test
    void absentKeysTakeTheirDefaults() {
        S3Settings settings = S3Properties.fromProperties(Map.of());
        assertThat(settings.maxAttempts()).isEqualTo(S3Properties.MAX_ATTEMPTS_DEFAULT);
        assertThat(settings.endpoint()).isEmpty();
        assertThat(settings.encryption()).isEqualTo(S3Settings.Encryption.NONE);
        assertThat(settings.allowUnsafeOverwrites()).isFalse();
    }

    @Test
    void everyKeyReachesItsSetting() {
        S3Settings settings = S3Properties.fromProperties(Map.of(
                S3Properties.ENDPOINT, "http://minio:9000",
                S3Properties.REGION, "eu-west-1",
                S3Properties.PATH_STYLE, "false",
                S3Properties.PROFILE, "batch",
                S3Properties.SSE, "kms",
                S3Properties.SSE_KMS_KEY_ID, "key-1",
                S3Properties.MAX_ATTEMPTS, "3",
                S3Properties.ALLOW_UNSAFE_OVERWRITES, "yes"));
        assertThat(settings.endpoint()).contains(URI.create("http://minio:9000"));
        assertThat(settings.region()).contains("eu-west-1");
        assertThat(settings.pathStyle()).contains(false);
        assertThat(settings.profile()).contains("batch");
        assertThat(settings.encryption()).isEqualTo(S3Settings.Encryption.sseKms(Optional.of("key-1")));
        assertThat(settings.maxAttempts()).isEqualTo(3);
        assertThat(settings.allowUnsafeOverwrites()).isTrue();
    }

    @Test
    void aCaseInsensitiveMapIsReadAsSuch() {
        Map<String, String> spark = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        spark.put("maxattempts", "7");
        spark.put("PATHSTYLE", "true");
        S3Settings settings = S3Properties.fromProperties(spark);
        assertThat(settings.maxAttempts()).isEqualTo(7);
        assertThat(settings.pathStyle()).contains(true);
    }

    @Test
    void aBadValueNamesItsKeyAndWhatItMustBe() {
        for (String attempts : new String[] {"0", "101", "many"}) {
            assertThatThrownBy(() -> S3Properties.fromProperties(Map.of(S3Properties.MAX_ATTEMPTS, attempts)))
                    .isInstanceOfSatisfying(S3Properties.InvalidProperty.class, e -> {
                        assertThat(e.key()).isEqualTo(S3Properties.MAX_ATTEMPTS);
                        assertThat(e.problem()).contains(attempts);
                    });
        }
        assertThatThrownBy(() -> S3Properties.fromProperties(Map.of(S3Properties.PATH_STYLE, "maybe")))
                .isInstanceOfSatisfying(S3Properties.InvalidProperty.class, e -> assertThat(e.key()).isEqualTo(S3Properties.PATH_STYLE));
        assertThatThrownBy(() -> S3Properties.fromProperties(Map.of(S3Properties.SSE, "aes")))
                .isInstanceOfSatisfying(S3Properties.InvalidProperty.class, e -> assertThat(e.key()).isEqualTo(S3Properties.SSE));
        assertThatThrownBy(() -> S3Properties.fromProperties(Map.of(S3Properties.ENDPOINT, "http://a b")))
                .isInstanceOfSatisfying(S3Properties.InvalidProperty.class, e -> assertThat(e.key()).isEqualTo(S3Properties.ENDPOINT));
    }
}
