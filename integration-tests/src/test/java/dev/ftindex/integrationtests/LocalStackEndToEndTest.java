package dev.ftindex.integrationtests;

import java.net.URI;
import java.util.UUID;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The end-to-end suite against LocalStack's S3, wherever Docker runs; skipped without it. */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackEndToEndTest extends EndToEndSuite {
    @Container
    static final LocalStackContainer LOCALSTACK = new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.9"));

    @Override
    S3Target target() {
        return new S3Target() {
            @Override
            public URI endpoint() {
                return URI.create(LOCALSTACK.getEndpoint().toString());
            }

            @Override
            public String accessKey() {
                return LOCALSTACK.getAccessKey();
            }

            @Override
            public String secretKey() {
                return LOCALSTACK.getSecretKey();
            }

            @Override
            public String region() {
                return LOCALSTACK.getRegion();
            }

            @Override
            public String newBucket() {
                String bucket = "e2e-" + UUID.randomUUID().toString().substring(0, 12);
                try (S3Client admin = S3Client.builder()
                        .endpointOverride(endpoint())
                        .region(Region.of(region()))
                        .forcePathStyle(true)
                        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey(), secretKey())))
                        .build()) {
                    admin.createBucket(b -> b.bucket(bucket));
                }
                return bucket;
            }

            @Override
            public boolean checksCredentials() {
                return false;
            }
        };
    }
}
