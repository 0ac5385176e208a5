package dev.ftindex.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A collection {@code c/} in a bucket of the shared S3Proxy, as the kill tests use it: opened
 * directly, copied to a fresh bucket (so every kill starts from the same staged state), and
 * addressed by the command line.
 */
final class S3Collections {
    static final S3ProxyServer SERVER = S3ProxyServer.shared();
    static final String COLLECTION = "c/";

    private S3Collections() {}

    /** The command line with S3Proxy's credentials in its environment, as production passes them. */
    static Ftindex ftindex() {
        return new Ftindex(Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY,
                "AWS_REGION", "us-east-1"));
    }

    static ObjectStore store(String bucket, String prefix) {
        return ObjectStores.open(new StoreLocation.S3(bucket, prefix), S3ProxyServer.settings(SERVER.endpoint()).build(), Map.of());
    }

    /** {@code verb --collection s3://bucket/c --endpoint endpoint rest...} */
    static String[] args(String bucket, URI endpoint, String verb, String... rest) {
        List<String> all = new ArrayList<>(List.of(verb, "--collection", "s3://" + bucket + "/c", "--endpoint", endpoint.toString()));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    static Ftindex.Result ok(Ftindex.Result result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        return result;
    }

    /** A new bucket holding every object of {@code source}'s collection. */
    static String copyOf(String source) throws Exception {
        String bucket = SERVER.newBucket();
        try (ObjectStore from = store(source, COLLECTION); ObjectStore to = store(bucket, COLLECTION)) {
            for (ObjectInfo object : from.list("")) {
                to.put(object.key(), Payload.of(EndToEndSuite.read(from, object.key())));
            }
        }
        return bucket;
    }
}
