package dev.ftindex.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StoreLocationTest {
    @Test
    void s3LocationsNormaliseThePrefix() {
        assertThat(StoreLocation.parse("s3://bucket/idx")).isEqualTo(new StoreLocation.S3("bucket", "idx/"));
        assertThat(StoreLocation.parse("s3://bucket/a/b/")).isEqualTo(new StoreLocation.S3("bucket", "a/b/"));
        assertThat(StoreLocation.parse("s3://bucket")).isEqualTo(new StoreLocation.S3("bucket", ""));
        assertThat(StoreLocation.parse("S3://my.bucket-1/x").uri()).isEqualTo("s3://my.bucket-1/x/");
    }

    @Test
    void fileUrisAndPlainPathsAreLocal() {
        assertThat(StoreLocation.parse("file:///tmp/idx")).isEqualTo(new StoreLocation.Local(Path.of("/tmp/idx")));
        assertThat(StoreLocation.parse("/tmp/idx/")).isEqualTo(new StoreLocation.Local(Path.of("/tmp/idx")));
        assertThat(StoreLocation.parse("relative/dir"))
                .isEqualTo(new StoreLocation.Local(Path.of("").toAbsolutePath().resolve("relative/dir")));
        assertThat(StoreLocation.parse("/tmp/idx").uri()).isEqualTo("file:///tmp/idx/");
    }

    @Test
    void badLocationsSayWhatIsWrong() {
        assertThatThrownBy(() -> StoreLocation.parse("gs://bucket/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported scheme 'gs'");
        assertThatThrownBy(() -> StoreLocation.parse("s3://Bad_Bucket/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid S3 bucket name 'Bad_Bucket'");
        assertThatThrownBy(() -> StoreLocation.parse("s3:///x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bucket");
        assertThatThrownBy(() -> StoreLocation.parse("s3://bkt/a//b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty path segment");
        assertThatThrownBy(() -> StoreLocation.parse("file://host/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("three slashes");
        assertThatThrownBy(() -> StoreLocation.parse("  "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }
}
