package dev.ftindex.objectstore.testing;

import dev.ftindex.objectstore.S3Settings;
import java.net.URI;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * A real S3 server (S3Proxy over an in-memory blob store) on 127.0.0.1, started in this JVM.
 * {@link #shared()} is started once per test JVM; every test takes a {@link #newBucket fresh
 * bucket} so tests never see each other's objects.
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "test-access-key";
    public static final String SECRET_KEY = "test-secret-key";

    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static S3ProxyServer shared;

    private final S3Proxy proxy;
    private final BlobStore store;
    private final URI endpoint;

    private S3ProxyServer(AuthenticationType authentication) {
        this(authentication, "transient", new Properties());
    }

    private S3ProxyServer(AuthenticationType authentication, String provider, Properties properties) {
        try {
            store = BlobStores.create(provider, properties);
            S3Proxy.Builder builder = S3Proxy.builder()
                    .blobStore(store)
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    .stopTimeout(0);
            if (authentication != AuthenticationType.NONE) {
                builder.awsAuthentication(authentication, ACCESS_KEY, SECRET_KEY);
            }
            proxy = builder.build();
            proxy.start();
            while (!"STARTED".equals(proxy.getState())) {
                if ("FAILED".equals(proxy.getState())) {
                    throw new IllegalStateException("S3Proxy failed to start");
                }
                Thread.sleep(5);
            }
            endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
        } catch (Exception e) {
            throw new IllegalStateException("cannot start S3Proxy", e);
        }
    }

    /** The server shared by every test in this JVM, with SigV4 authentication. */
    public static synchronized S3ProxyServer shared() {
        if (shared == null) {
            shared = new S3ProxyServer(AuthenticationType.AWS_V2_OR_V4);
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    /** A server of its own whose objects are files under {@code directory} (for large benchmarks). */
    public static S3ProxyServer onDisk(java.nio.file.Path directory) {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", directory.toAbsolutePath().toString());
        return new S3ProxyServer(AuthenticationType.AWS_V2_OR_V4, "filesystem", properties);
    }

    /** A server of its own that accepts unsigned requests (for proxies that rewrite headers). */
    public static S3ProxyServer withoutAuthentication() {
        return new S3ProxyServer(AuthenticationType.NONE);
    }

    public URI endpoint() {
        return endpoint;
    }

    public int port() {
        return proxy.getPort();
    }

    /** Creates an empty bucket with a unique name and returns the name. */
    public String newBucket() {
        String name = "test-" + BUCKETS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
        store.createContainer(name);
        return name;
    }

    /** Settings that reach this server, with small part sizes so multipart paths are exercised. */
    public S3Settings.Builder settings() {
        return settings(endpoint);
    }

    /** As {@link #settings()}, but through another endpoint (a proxy in front of this server). */
    public static S3Settings.Builder settings(URI endpoint) {
        return S3Settings.builder()
                .endpoint(endpoint)
                .region("us-east-1")
                .pathStyle(true)
                .credentials(new S3Settings.Credentials(ACCESS_KEY, SECRET_KEY))
                .maxAttempts(4);
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop S3Proxy", e);
        }
    }
}
