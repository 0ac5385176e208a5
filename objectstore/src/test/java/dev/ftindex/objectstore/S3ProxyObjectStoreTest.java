package dev.ftindex.objectstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.objectstore.testing.FaultyHttpProxy.Fault;
import dev.ftindex.objectstore.testing.FaultyHttpProxy;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The contract against a real S3 server in this JVM, plus what only S3 has. */
class S3ProxyObjectStoreTest extends ObjectStoreContractTest {
    private static final S3ProxyServer SERVER = S3ProxyServer.shared();

    private String bucket;

    @Override
    protected ObjectStore createStore() {
        bucket = SERVER.newBucket();
        return open(SERVER.settings());
    }

    static S3Settings.Builder smallParts(S3Settings.Builder settings) {
        return settings
                .multipartCopyThreshold(5L * MIB)
                .copyPartSize(5L * MIB)
                .multipartUploadThreshold(6L * MIB)
                .uploadPartSize(5L * MIB);
    }

    private ObjectStore open(S3Settings.Builder settings) {
        return ObjectStores.open(new StoreLocation.S3(bucket, "idx/"), smallParts(settings).build(), Map.of());
    }

    @Override
    protected void assertCopiedInParts(RequestMetrics.Snapshot requests) {
        assertThat(requests.count("UploadPartCopy")).isEqualTo(3);
        assertThat(requests.count("CreateMultipartUpload")).isEqualTo(1);
        assertThat(requests.count("CompleteMultipartUpload")).isEqualTo(1);
        assertThat(requests.count("CopyObject")).isZero();
    }

    @Override
    protected void assertListedInPages(RequestMetrics.Snapshot requests) {
        assertThat(requests.count("ListObjectsV2")).isEqualTo(2);
    }

    @Test
    void smallCopiesAreOneServerSideRequest() {
        store.put("s", Payload.of(bytes("small")));
        RequestMetrics.Snapshot before = store.metrics().snapshot();

        store.copy("s", "t", Optional.empty());

        RequestMetrics.Snapshot requests = store.metrics().snapshot().minus(before);
        assertThat(requests.count("CopyObject")).isEqualTo(1);
        assertThat(requests.bytesRead()).as("server-side: no object bytes through this process").isZero();
        assertThat(requests.count("GetObject")).isZero();
        assertThat(requests.count("PutObject")).isZero();
    }

    @Test
    void largePutsAreUploadedInParts() throws IOException {
        byte[] data = random(12 * MIB, 7);
        Path file = temp.resolve("parts.bin");
        Files.write(file, data);
        RequestMetrics.Snapshot before = store.metrics().snapshot();

        store.put("multi/part.bin", Payload.of(file));

        RequestMetrics.Snapshot requests = store.metrics().snapshot().minus(before);
        assertThat(requests.count("UploadPart")).isEqualTo(3);
        assertThat(requests.count("CompleteMultipartUpload")).isEqualTo(1);
        assertThat(requests.count("PutObject")).isZero();
        assertThat(read("multi/part.bin")).isEqualTo(data);
    }

    @Test
    void aFailedMultipartUploadIsAborted() throws Exception {
        byte[] data = random(12 * MIB, 8);
        Path file = temp.resolve("abort.bin");
        Files.write(file, data);
        try (FaultyHttpProxy proxy = FaultyHttpProxy.start(SERVER.endpoint(),
                request -> request.target().contains("partNumber=2") ? Fault.RESET : Fault.NONE);
             ObjectStore viaProxy = open(S3ProxyServer.settings(proxy.endpoint()).maxAttempts(2))) {

            assertThatThrownBy(() -> viaProxy.put("aborted/part.bin", Payload.of(file)))
                    .isInstanceOf(TransientStorageException.class)
                    .hasMessageContaining("aborted/part.bin");

            assertThat(proxy.requests()).anySatisfy(request -> {
                assertThat(request.method()).isEqualTo("DELETE");
                assertThat(request.target()).contains("uploadId=");
            });
            assertThatThrownBy(() -> store.head("aborted/part.bin")).isInstanceOf(ObjectNotFoundException.class);
        }
    }

    @Test
    void putIfAbsentRecognisesItsOwnWriteAfterARetry() throws Exception {
        AtomicInteger conditionalPuts = new AtomicInteger();
        // The first create-only PUT of the key reaches the server, but its answer is lost: the
        // SDK retries and gets 412 for the object its first try created.
        try (FaultyHttpProxy proxy = FaultyHttpProxy.start(SERVER.endpoint(), request ->
                request.method().equals("PUT") && request.target().contains("lost-answer")
                        && "*".equals(request.header("if-none-match")) && conditionalPuts.incrementAndGet() == 1
                        ? Fault.RESET_AFTER_FORWARD : Fault.NONE);
             ObjectStore viaProxy = open(S3ProxyServer.settings(proxy.endpoint()))) {

            ObjectInfo created = viaProxy.putIfAbsent("staging/lost-answer.json", Payload.of(bytes("mine")));

            assertThat(created.key()).isEqualTo("staging/lost-answer.json");
            assertThat(proxy.injected(Fault.RESET_AFTER_FORWARD)).isEqualTo(1);
            assertThat(conditionalPuts.get()).isEqualTo(2);
            assertThat(viaProxy.metrics().snapshot().retries()).isPositive();
            assertThat(read("staging/lost-answer.json")).isEqualTo(bytes("mine"));
            assertThatThrownBy(() -> viaProxy.putIfAbsent("staging/lost-answer.json", Payload.of(bytes("again"))))
                    .isInstanceOf(ObjectAlreadyExistsException.class);
        }
    }

    @Test
    void theProbeRecognisesItsOwnFirstWriteAfterARetry() throws Exception {
        AtomicInteger probePuts = new AtomicInteger();
        // The probe's first PUT lands but its answer is lost: the SDK's retry gets 412 for the
        // probe that first try created (seen once in CI through a flaky proxy).
        try (FaultyHttpProxy proxy = FaultyHttpProxy.start(SERVER.endpoint(), request ->
                request.method().equals("PUT") && request.target().contains(".ftindex-probe-")
                        && probePuts.incrementAndGet() == 1
                        ? Fault.RESET_AFTER_FORWARD : Fault.NONE);
             ObjectStore viaProxy = open(S3ProxyServer.settings(proxy.endpoint()))) {

            viaProxy.putIfAbsent("first.json", Payload.of(bytes("created")));

            assertThat(proxy.injected(Fault.RESET_AFTER_FORWARD)).isEqualTo(1);
            assertThat(probePuts.get()).as("lost try, its retry, the second probe write").isEqualTo(3);
            assertThat(read("first.json")).isEqualTo(bytes("created"));
            assertThat(viaProxy.list("").stream().map(ObjectInfo::key)).as("the probe cleans up after itself")
                    .noneMatch(key -> key.startsWith(".ftindex-probe-"));
        }
    }

    @Test
    void aWinnerThatVanishesBeforeTheReadBackStillMeansAlreadyExists() throws Exception {
        store.put("staging/_plan.json", Payload.of(bytes("the winner's")));
        // Between our 412 and our read-back, a cleanup deletes the winner's object.
        try (FaultyHttpProxy proxy = FaultyHttpProxy.start(SERVER.endpoint(), request -> {
                if (request.method().equals("HEAD") && request.target().contains("_plan.json")) {
                    store.delete("staging/_plan.json");
                }
                return Fault.NONE;
            });
             ObjectStore viaProxy = open(S3ProxyServer.settings(proxy.endpoint()))) {

            assertThatThrownBy(() -> viaProxy.putIfAbsent("staging/_plan.json", Payload.of(bytes("mine"))))
                    .isInstanceOf(ObjectAlreadyExistsException.class)
                    .hasMessageContaining("staging/_plan.json");
            assertThatThrownBy(() -> store.head("staging/_plan.json")).isInstanceOf(ObjectNotFoundException.class);
        }
    }

    @Test
    void aStoreThatIgnoresIfNoneMatchIsDetectedBeforeUse() throws Exception {
        try (S3ProxyServer open = S3ProxyServer.withoutAuthentication();
             FaultyHttpProxy stripping = FaultyHttpProxy.start(open.endpoint(), request -> Fault.NONE,
                     Set.of("If-None-Match"), java.time.Duration.ZERO, 1)) {
            String ignoringBucket = open.newBucket();
            S3Settings.Builder settings = S3ProxyServer.settings(stripping.endpoint());

            try (ObjectStore ignoring = ObjectStores.open(new StoreLocation.S3(ignoringBucket, ""), settings.build(), Map.of())) {
                assertThatThrownBy(() -> ignoring.putIfAbsent("metadata.lance", Payload.of(bytes("x"))))
                        .isInstanceOf(PermanentStorageException.class)
                        .hasMessageContaining("ignores If-None-Match")
                        .hasMessageContaining("--allow-unsafe-overwrites");
                assertThatThrownBy(() -> ignoring.head("metadata.lance")).isInstanceOf(ObjectNotFoundException.class);
                assertThat(ignoring.list("")).as("the probe cleans up after itself").isEmpty();
            }

            try (ObjectStore unsafe = ObjectStores.open(new StoreLocation.S3(ignoringBucket, ""),
                    settings.allowUnsafeOverwrites(true).build(), Map.of())) {
                unsafe.putIfAbsent("metadata.lance", Payload.of(bytes("first")));
                // The documented caveat: without enforcement the second writer silently wins.
                unsafe.putIfAbsent("metadata.lance", Payload.of(bytes("second")));
                try (ObjectStream stream = unsafe.get("metadata.lance")) {
                    assertThat(stream.readAllRemaining()).isEqualTo(bytes("second"));
                }
            }
        }
    }

    @Test
    void theProbeRunsOncePerStore() {
        RequestMetrics.Snapshot before = store.metrics().snapshot();
        store.putIfAbsent("one", Payload.of(bytes("1")));
        RequestMetrics.Snapshot first = store.metrics().snapshot().minus(before);
        store.putIfAbsent("two", Payload.of(bytes("2")));
        RequestMetrics.Snapshot second = store.metrics().snapshot().minus(before).minus(first);

        assertThat(first.count("PutObject")).isEqualTo(3);
        assertThat(first.count("DeleteObject")).isEqualTo(1);
        assertThat(second.count("PutObject")).isEqualTo(1);
        assertThat(second.total()).isEqualTo(1);
    }

    @Test
    void everyWriteCarriesTheServerSideEncryptionHeaders() throws Exception {
        byte[] large = random(12 * MIB, 9);
        Path file = temp.resolve("sse.bin");
        Files.write(file, large);
        try (FaultyHttpProxy recording = FaultyHttpProxy.start(SERVER.endpoint(), request -> Fault.NONE)) {
            try (ObjectStore sseS3 = open(S3ProxyServer.settings(recording.endpoint()).encryption(S3Settings.Encryption.sseS3()))) {
                sseS3.put("sse/small", Payload.of(bytes("x")));
                sseS3.putIfAbsent("sse/created", Payload.of(bytes("y")));
                sseS3.copy("sse/small", "sse/copied", Optional.empty());
                sseS3.put("sse/large", Payload.of(file));
                sseS3.copy("sse/large", "sse/large-copy", Optional.empty());
            }
            List<FaultyHttpProxy.Request> writes = recording.requests().stream()
                    .filter(request -> isObjectCreation(request))
                    .toList();
            // put, probe x2, putIfAbsent, copy, create multipart (upload), create multipart (copy)
            assertThat(writes).hasSize(7);
            assertThat(writes).allSatisfy(request ->
                    assertThat(request.header("x-amz-server-side-encryption")).as(request.method() + " " + request.target()).isEqualTo("AES256"));
        }
        try (FaultyHttpProxy recording = FaultyHttpProxy.start(SERVER.endpoint(), request -> Fault.NONE);
             ObjectStore sseKms = open(S3ProxyServer.settings(recording.endpoint())
                     .encryption(S3Settings.Encryption.sseKms(Optional.of("alias/ftindex"))))) {
            try {
                sseKms.put("kms/small", Payload.of(bytes("x")));
            } catch (StorageException serverHasNoKms) {
                // S3Proxy has no KMS; what matters here is what the client sent.
            }
            FaultyHttpProxy.Request put = recording.requests().getFirst();
            assertThat(put.header("x-amz-server-side-encryption")).isEqualTo("aws:kms");
            assertThat(put.header("x-amz-server-side-encryption-aws-kms-key-id")).isEqualTo("alias/ftindex");
        }
    }

    private static boolean isObjectCreation(FaultyHttpProxy.Request request) {
        boolean put = request.method().equals("PUT") && !request.target().contains("partNumber=");
        boolean createMultipart = request.method().equals("POST") && request.target().contains("?uploads");
        return put || createMultipart;
    }

    @Test
    void throttlingIsRetriedAndCounted() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        try (FaultyHttpProxy proxy = FaultyHttpProxy.start(SERVER.endpoint(),
                request -> seen.incrementAndGet() <= 2 ? Fault.SLOW_DOWN : Fault.NONE);
             ObjectStore viaProxy = open(S3ProxyServer.settings(proxy.endpoint()))) {

            viaProxy.put("retried", Payload.of(bytes("ok")));

            RequestMetrics.Snapshot requests = viaProxy.metrics().snapshot();
            assertThat(requests.retries()).isEqualTo(2);
            assertThat(requests.throttled()).isEqualTo(2);
            assertThat(requests.count("PutObject")).isEqualTo(3);
            assertThat(read("retried")).isEqualTo(bytes("ok"));
        }
    }

    @Test
    void persistentThrottlingIsTransientAndSaysSo() throws Exception {
        try (FaultyHttpProxy proxy = FaultyHttpProxy.start(SERVER.endpoint(), request -> Fault.SLOW_DOWN);
             ObjectStore viaProxy = open(S3ProxyServer.settings(proxy.endpoint()).maxAttempts(2))) {

            assertThatThrownBy(() -> viaProxy.head("some/key"))
                    .isInstanceOf(TransientStorageException.class)
                    .hasMessageContaining("some/key")
                    .hasMessageContaining("HTTP 503");
        }
    }

    @Test
    void connectionResetsAreRetried() throws Exception {
        AtomicInteger seen = new AtomicInteger();
        try (FaultyHttpProxy proxy = FaultyHttpProxy.start(SERVER.endpoint(),
                request -> seen.incrementAndGet() % 2 == 1 ? Fault.RESET : Fault.NONE);
             ObjectStore viaProxy = open(S3ProxyServer.settings(proxy.endpoint()))) {

            viaProxy.put("reset/a", Payload.of(bytes("a")));
            assertThat(viaProxy.head("reset/a").size()).isEqualTo(1);

            assertThat(proxy.injected(Fault.RESET)).isGreaterThanOrEqualTo(2);
            assertThat(viaProxy.metrics().snapshot().retries()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void wrongCredentialsArePermanentAndNeverShowTheSecret() {
        String secret = "wrong-secret-value-123";
        try (ObjectStore wrong = open(SERVER.settings().credentials(new S3Settings.Credentials("wrong-access-key", secret)))) {
            assertThatThrownBy(() -> wrong.head("k"))
                    .isInstanceOf(PermanentStorageException.class)
                    .hasMessageContaining("access denied")
                    .hasMessageContaining("HTTP 403")
                    .satisfies(e -> assertThat(stackTraceText(e)).doesNotContain(secret));
        }
        assertThat(new S3Settings.Credentials("id", secret).toString()).doesNotContain(secret);
        assertThat(SERVER.settings().credentials(new S3Settings.Credentials("id", secret)).build().toString()).doesNotContain(secret);
    }

    @Test
    void aMissingBucketIsPermanent() {
        try (ObjectStore missing = ObjectStores.open(new StoreLocation.S3("no-such-bucket-here", "x/"), SERVER.settings().build(), Map.of())) {
            assertThatThrownBy(() -> missing.head("k"))
                    .isInstanceOf(PermanentStorageException.class)
                    .hasMessageContaining("s3://no-such-bucket-here/x/k")
                    .hasMessageContaining("bucket does not exist");
            assertThatThrownBy(() -> missing.list(""))
                    .isInstanceOf(PermanentStorageException.class)
                    .hasMessageContaining("bucket does not exist");
        }
    }

    @Test
    void anUnreachableEndpointIsTransient() throws IOException {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (ObjectStore unreachable = ObjectStores.open(new StoreLocation.S3("bucket", ""),
                S3ProxyServer.settings(URI.create("http://127.0.0.1:" + closedPort)).maxAttempts(1).build(), Map.of())) {
            assertThatThrownBy(() -> unreachable.head("k"))
                    .isInstanceOf(TransientStorageException.class)
                    .hasMessageContaining("cannot reach")
                    .hasMessageContaining("s3://bucket/k");
        }
    }

    @Test
    void theEndpointComesFromTheEnvironmentWhenNotGiven() {
        S3Settings settings = SERVER.settings().endpoint(null).build();
        try (ObjectStore fromEnvironment = ObjectStores.open(new StoreLocation.S3(bucket, "env/"),
                settings, Map.of("AWS_ENDPOINT_URL", SERVER.endpoint().toString()))) {
            fromEnvironment.put("k", Payload.of(bytes("v")));
            assertThat(fromEnvironment.head("k").size()).isEqualTo(1);
        }
    }

    private static String stackTraceText(Throwable e) {
        java.io.StringWriter text = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(text));
        return text.toString();
    }
}
