package dev.ftindex.integrationtests;

import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.S3Settings;
import dev.ftindex.objectstore.StoreLocation;
import java.net.URI;
import java.util.Map;

/** A real S3 server the end-to-end suite runs against. */
interface S3Target {
    URI endpoint();

    String accessKey();

    String secretKey();

    String region();

    /** Creates an empty bucket and returns its name. */
    String newBucket();

    /** Whether the server rejects wrong credentials (LocalStack, by default, does not). */
    boolean checksCredentials();

    /** A store for the test's own inspection (and damage) of what the command wrote. */
    default ObjectStore store(String bucket, String prefix, URI through) {
        return ObjectStores.open(new StoreLocation.S3(bucket, prefix), S3Settings.builder()
                .endpoint(through)
                .region(region())
                .pathStyle(true)
                .credentials(new S3Settings.Credentials(accessKey(), secretKey()))
                .build(), Map.of());
    }

    default ObjectStore store(String bucket, String prefix) {
        return store(bucket, prefix, endpoint());
    }
}
