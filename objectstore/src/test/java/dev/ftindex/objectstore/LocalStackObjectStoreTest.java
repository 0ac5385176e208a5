package dev.ftindex.objectstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/** The contract against LocalStack's S3, wherever Docker runs; skipped without it. */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackObjectStoreTest extends ObjectStoreContractTest {
    @Container
    static final LocalStackContainer LOCALSTACK = new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.9"));

    @Override
    protected ObjectStore createStore() {
        S3Settings settings = S3ProxyObjectStoreTest.smallParts(S3Settings.builder()
                        .endpoint(URI.create(LOCALSTACK.getEndpoint().toString()))
                        .region(LOCALSTACK.getRegion())
                        .pathStyle(true)
                        .credentials(new S3Settings.Credentials(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey())))
                .build();
        String bucket = "contract-" + UUID.randomUUID().toString().substring(0, 8);
        try (software.amazon.awssdk.services.s3.S3Client admin = software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(settings.endpoint().orElseThrow())
                .region(software.amazon.awssdk.regions.Region.of(LOCALSTACK.getRegion()))
                .forcePathStyle(true)
                .credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(LOCALSTACK.getAccessKey(), LOCALSTACK.getSecretKey())))
                .build()) {
            admin.createBucket(b -> b.bucket(bucket));
        }
        return ObjectStores.open(new StoreLocation.S3(bucket, "idx/"), settings, Map.of());
    }

    @Override
    protected void assertCopiedInParts(RequestMetrics.Snapshot requests) {
        assertThat(requests.count("UploadPartCopy")).isEqualTo(3);
        assertThat(requests.count("CopyObject")).isZero();
    }

    @Override
    protected void assertListedInPages(RequestMetrics.Snapshot requests) {
        assertThat(requests.count("ListObjectsV2")).isGreaterThanOrEqualTo(2);
    }
}
