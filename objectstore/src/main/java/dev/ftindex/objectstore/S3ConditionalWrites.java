package dev.ftindex.objectstore;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Create-only writes on S3: {@code If-None-Match: *}, each carrying a fresh token in its user
 * metadata. When the client retried a request whose first try had landed, the retry gets 412,
 * and the token read back tells "our own write" from "somebody else's". Before the first
 * create-only write, a probe checks that the store really enforces the condition (some
 * S3-compatible stores silently ignore it, which would let two finalizers both "win").
 */
final class S3ConditionalWrites {
    private static final System.Logger LOG = System.getLogger(S3ConditionalWrites.class.getName());
    private static final String TOKEN_METADATA = "ftindex-write-token";

    private final S3Client client;
    private final StoreLocation.S3 root;
    private final String location;
    private final S3Settings settings;
    private final Function<Payload, RequestBody> bodies;
    private final Object probeLock = new Object();
    private volatile boolean checked;

    S3ConditionalWrites(S3Client client, StoreLocation.S3 root, S3Settings settings, Function<Payload, RequestBody> bodies) {
        this.client = client;
        this.root = root;
        this.location = root.uri();
        this.settings = settings;
        this.bodies = bodies;
    }

    /**
     * Creates {@code key} unless it exists; see {@link ObjectStore#putIfAbsent}.
     *
     * @return the new object's info, or {@code null} when a retry met our own landed write (the
     *     caller heads the key)
     */
    ObjectInfo putIfAbsent(String key, Payload payload) {
        if (payload.length() > S3Settings.MAX_PART) {
            throw new PermanentStorageException(location, key, "create-only writes are limited to 5 GiB", null);
        }
        checkConditionalWrites();
        String token = UUID.randomUUID().toString();
        try {
            return put(key, payload, token);
        } catch (SdkException e) {
            if (S3Errors.kind(e) == S3Errors.Kind.PRECONDITION_FAILED) {
                if (ownWrite(key, token)) {
                    // A client retry of a try that had landed: the object is ours.
                    return null;
                }
                throw new ObjectAlreadyExistsException(location, key, null);
            }
            throw S3Errors.translate(location, key, e);
        }
    }

    private ObjectInfo put(String key, Payload payload, String token) {
        PutObjectRequest request = PutObjectRequest.builder()
                .bucket(root.bucket())
                .key(root.prefix() + key)
                .ifNoneMatch("*")
                .metadata(Map.of(TOKEN_METADATA, token))
                .serverSideEncryption(S3ObjectStore.serverSideEncryption(settings))
                .ssekmsKeyId(settings.encryption().kmsKeyId().orElse(null))
                .build();
        PutObjectResponse response = client.putObject(request, bodies.apply(payload));
        return new ObjectInfo(key, payload.length(), S3ObjectStore.etag(response.eTag()), Instant.now());
    }

    /**
     * Whether the object that made our create-only write fail is the one our own earlier try
     * wrote. One that has vanished since (a cleanup removed it) existed when we tried, and was
     * not necessarily ours: report it as somebody else's.
     */
    private boolean ownWrite(String key, String token) {
        try {
            HeadObjectResponse existing = client.headObject(b -> b.bucket(root.bucket()).key(root.prefix() + key));
            return token.equals(existing.metadata().get(TOKEN_METADATA));
        } catch (SdkException e) {
            if (S3Errors.kind(e) == S3Errors.Kind.NOT_FOUND) {
                return false;
            }
            throw S3Errors.translate(location, key, e);
        }
    }

    /**
     * The probe's first write. A client retry of a try that had landed gets 412 from a store that
     * enforces the condition; the token read back shows it was ours, so the probe goes on.
     */
    private void putProbe(String probeKey, Payload probe) {
        String token = "probe-" + UUID.randomUUID();
        try {
            put(probeKey, probe, token);
        } catch (S3Exception e) {
            if (S3Errors.kind(e) != S3Errors.Kind.PRECONDITION_FAILED || !ownWrite(probeKey, token)) {
                throw e;
            }
        }
    }

    /**
     * Writes a probe object twice with {@code If-None-Match: *}; a store that enforces the
     * condition must refuse the second write. Runs once per store, before the first create-only
     * write, and removes the probe afterwards.
     */
    private void checkConditionalWrites() {
        if (checked) {
            return;
        }
        synchronized (probeLock) {
            if (checked) {
                return;
            }
            String probeKey = ".ftindex-probe-" + UUID.randomUUID();
            Payload probe = Payload.of(new byte[] {'p'});
            try {
                putProbe(probeKey, probe);
                boolean enforced;
                try {
                    put(probeKey, probe, "probe-2");
                    enforced = false;
                } catch (S3Exception e) {
                    if (S3Errors.kind(e) != S3Errors.Kind.PRECONDITION_FAILED) {
                        throw e;
                    }
                    enforced = true;
                }
                if (!enforced) {
                    String problem = "this store ignores If-None-Match, so create-only writes would silently overwrite;"
                            + " concurrent finalizers and duplicate workers would not be safe";
                    if (!settings.allowUnsafeOverwrites()) {
                        throw new PermanentStorageException(location, null, problem
                                + " (use a store that supports conditional writes, or accept last-writer-wins"
                                + " explicitly with --allow-unsafe-overwrites and run one finalizer at a time)", null);
                    }
                    LOG.log(Level.WARNING, location + ": " + problem
                            + "; continuing because unsafe overwrites were allowed: run exactly one finalizer and one"
                            + " attempt per partition at a time");
                }
                checked = true;
            } catch (SdkException e) {
                if (S3Errors.kind(e) == S3Errors.Kind.REJECTED) {
                    throw new PermanentStorageException(location, probeKey,
                            "this store rejects conditional writes (If-None-Match), which ftindex needs", e);
                }
                throw S3Errors.translate(location, probeKey, e);
            } finally {
                try {
                    client.deleteObject(b -> b.bucket(root.bucket()).key(root.prefix() + probeKey));
                } catch (SdkException e) {
                    LOG.log(Level.WARNING, location + probeKey + ": could not remove the conditional-write probe: " + e.getMessage());
                }
            }
        }
    }
}
