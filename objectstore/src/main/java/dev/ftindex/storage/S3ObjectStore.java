package dev.ftindex.storage;

import static java.util.Objects.requireNonNull;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Objects in an S3 bucket under a prefix, through one {@link S3Client}.
 *
 * <p>Create-only writes use {@code If-None-Match: *}. Each carries a fresh token in its user
 * metadata: when the SDK retried a request whose first try had landed, the retry gets 412, and
 * the token read back tells "our own write" from "somebody else's". Before the first create-only
 * write, a probe checks that the store really enforces the condition (some S3-compatible stores
 * silently ignore it, which would let two finalizers both "win").
 */
final class S3ObjectStore implements ObjectStore {
    private static final System.Logger LOG = System.getLogger(S3ObjectStore.class.getName());
    private static final String TOKEN_METADATA = "ftindex-write-token";
    private static final int DELETE_BATCH = 1000;
    private static final int CONFLICT_ATTEMPTS = 6;

    private final StoreLocation.S3 root;
    private final String location;
    private final S3Settings settings;
    private final S3Client client;
    private final RequestMetrics metrics = new RequestMetrics();
    private final ExecutorService transfers;
    private final Object probeLock = new Object();
    private volatile boolean conditionalWritesChecked;
    private volatile boolean bucketExists;

    S3ObjectStore(StoreLocation.S3 root, S3Settings settings, Map<String, String> environment) {
        this.root = requireNonNull(root, "root is null");
        this.location = root.uri();
        this.settings = requireNonNull(settings, "settings is null");
        this.client = buildClient(settings, environment, metrics);
        AtomicInteger threads = new AtomicInteger();
        this.transfers = Executors.newFixedThreadPool(settings.transferConcurrency(), runnable -> {
            Thread thread = new Thread(runnable, "s3-transfer-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    private static S3Client buildClient(S3Settings settings, Map<String, String> environment, RequestMetrics metrics) {
        Optional<URI> endpoint = settings.effectiveEndpoint(environment);
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(Apache5HttpClient.builder()
                        .maxConnections(settings.maxConnections())
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(120)))
                .credentialsProvider(credentials(settings))
                .overrideConfiguration(override -> override
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(settings.maxAttempts())
                                // The token bucket would stop retrying exactly when a flaky store
                                // needs it; each request keeps its own bounded attempts instead.
                                .circuitBreakerEnabled(false)
                                .build())
                        .addExecutionInterceptor(new MetricsInterceptor(metrics)));
        Optional<String> region = settings.region()
                .or(() -> Optional.ofNullable(environment.get("AWS_REGION")))
                .or(() -> Optional.ofNullable(environment.get("AWS_DEFAULT_REGION")));
        if (endpoint.isPresent()) {
            builder.endpointOverride(endpoint.get())
                    .forcePathStyle(settings.pathStyle().orElse(true))
                    .region(Region.of(region.orElse("us-east-1")));
        } else {
            builder.forcePathStyle(settings.pathStyle().orElse(false));
            Region resolved = region.map(Region::of).orElseGet(() -> {
                try {
                    return DefaultAwsRegionProviderChain.builder()
                            .profileName(settings.profile().orElse(null))
                            .build()
                            .getRegion();
                } catch (SdkException e) {
                    return null;
                }
            });
            if (resolved == null) {
                // No region anywhere: let the client find the bucket's region itself.
                builder.region(Region.US_EAST_1).crossRegionAccessEnabled(true);
            } else {
                builder.region(resolved);
            }
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        if (settings.credentials().isPresent()) {
            S3Settings.Credentials c = settings.credentials().get();
            return StaticCredentialsProvider.create(c.sessionToken().isPresent()
                    ? AwsSessionCredentials.create(c.accessKeyId(), c.secretAccessKey(), c.sessionToken().get())
                    : AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey()));
        }
        return DefaultCredentialsProvider.builder().profileName(settings.profile().orElse(null)).build();
    }

    @Override
    public String location() {
        return location;
    }

    @Override
    public ObjectInfo head(String key) {
        String fullKey = fullKey(key);
        try {
            HeadObjectResponse response = client.headObject(b -> b.bucket(root.bucket()).key(fullKey));
            return new ObjectInfo(key, response.contentLength(), etag(response.eTag()), lastModified(response.lastModified()));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                checkBucketExists(key);
            }
            throw S3Errors.translate(location, key, e);
        } catch (SdkException e) {
            throw S3Errors.translate(location, key, e);
        }
    }

    /**
     * A HEAD answer has no body, so its 404 cannot say whether the key or the whole bucket is
     * missing; ask once per store, so that a mistyped bucket is a configuration error rather
     * than an "empty index".
     */
    private void checkBucketExists(String key) {
        if (bucketExists) {
            return;
        }
        try {
            client.headBucket(b -> b.bucket(root.bucket()));
            bucketExists = true;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new PermanentStorageException(location, key, "bucket does not exist (HTTP 404 for the bucket)", null);
            }
            throw S3Errors.translate(location, key, e);
        } catch (SdkException e) {
            throw S3Errors.translate(location, key, e);
        }
    }

    @Override
    public ObjectStream get(String key, ByteRange range) {
        String fullKey = fullKey(key);
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(root.bucket()).key(fullKey);
        switch (range) {
            case ByteRange.Span span when span.isAll() -> {}
            case ByteRange.Span span when span.length() == 0 -> {
                // S3 has no empty range; learn the size and return nothing.
                ObjectInfo info = head(key);
                long start = Math.min(span.offset(), info.size());
                return new ObjectStream(InputStream.nullInputStream(), info, start, start);
            }
            case ByteRange.Span span -> request.range("bytes=" + span.offset() + "-"
                    + (span.length() == -1 ? "" : String.valueOf(span.offset() + span.length() - 1)));
            case ByteRange.Suffix suffix -> request.range("bytes=-" + suffix.length());
        }
        ResponseInputStream<GetObjectResponse> response;
        try {
            response = client.getObject(request.build());
        } catch (S3Exception e) {
            if (e.statusCode() == 416) {
                // The range starts past the end (or the object is empty): nothing to read.
                ObjectInfo info = head(key);
                long[] span = range.resolve(info.size());
                return new ObjectStream(InputStream.nullInputStream(), info, span[0], span[1]);
            }
            throw S3Errors.translate(location, key, e);
        } catch (SdkException e) {
            throw S3Errors.translate(location, key, e);
        }
        GetObjectResponse headers = response.response();
        long length = headers.contentLength();
        long start = 0;
        long size = length;
        String contentRange = headers.contentRange();
        if (contentRange != null && contentRange.startsWith("bytes ")) {
            // "bytes 100-115/116"
            String spec = contentRange.substring("bytes ".length());
            int dash = spec.indexOf('-');
            int slash = spec.indexOf('/');
            start = Long.parseLong(spec.substring(0, dash));
            size = Long.parseLong(spec.substring(slash + 1));
        }
        ObjectInfo info = new ObjectInfo(key, size, etag(headers.eTag()), lastModified(headers.lastModified()));
        return new ObjectStream(new AbortingStream(response, key, length), info, start, start + length);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return list(prefix, null);
    }

    @Override
    public List<ObjectInfo> listShallow(String prefix) {
        return list(prefix, "/");
    }

    /** Every page of a listing; with a delimiter, only the keys before it (common prefixes are skipped). */
    private List<ObjectInfo> list(String prefix, String delimiter) {
        Keys.validatePrefix(prefix);
        List<ObjectInfo> result = new ArrayList<>();
        try {
            for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(root.bucket()).prefix(root.prefix() + prefix).delimiter(delimiter)).contents()) {
                String key = object.key().substring(root.prefix().length());
                result.add(new ObjectInfo(key, object.size(), etag(object.eTag()), lastModified(object.lastModified())));
            }
        } catch (SdkException e) {
            throw S3Errors.translate(location, prefix, e);
        }
        result.sort(java.util.Comparator.comparing(ObjectInfo::key));
        return result;
    }

    @Override
    public ObjectInfo put(String key, Payload payload) {
        String fullKey = fullKey(key);
        long length = payload.length();
        if (length > settings.multipartUploadThreshold()) {
            return multipartUpload(key, fullKey, payload, length);
        }
        PutObjectRequest request = PutObjectRequest.builder()
                .bucket(root.bucket())
                .key(fullKey)
                .serverSideEncryption(serverSideEncryption())
                .ssekmsKeyId(kmsKeyId())
                .build();
        try {
            PutObjectResponse response = client.putObject(request, body(payload));
            return new ObjectInfo(key, length, etag(response.eTag()), Instant.now());
        } catch (SdkException e) {
            throw S3Errors.translate(location, key, e);
        }
    }

    @Override
    public ObjectInfo putIfAbsent(String key, Payload payload) {
        String fullKey = fullKey(key);
        if (payload.length() > S3Settings.MAX_PART) {
            throw new PermanentStorageException(location, key, "create-only writes are limited to 5 GiB", null);
        }
        checkConditionalWrites();
        String token = UUID.randomUUID().toString();
        for (int attempt = 1; ; attempt++) {
            try {
                return conditionalPut(key, fullKey, payload, token);
            } catch (S3Exception e) {
                if (e.statusCode() == 412) {
                    if (ownWrite(key, token)) {
                        // An SDK retry of a try that had landed: the object is ours.
                        return head(key);
                    }
                    throw new ObjectAlreadyExistsException(location, key, null);
                }
                if (e.statusCode() == 409 && attempt < CONFLICT_ATTEMPTS) {
                    // ConditionalRequestConflict: another conditional write to this key is in
                    // flight. Wait and ask again; the answer will be 200 or 412.
                    sleep(Duration.ofMillis(50L << attempt));
                    continue;
                }
                throw S3Errors.translate(location, key, e);
            } catch (SdkException e) {
                throw S3Errors.translate(location, key, e);
            }
        }
    }

    private ObjectInfo conditionalPut(String key, String fullKey, Payload payload, String token) {
        PutObjectRequest request = PutObjectRequest.builder()
                .bucket(root.bucket())
                .key(fullKey)
                .ifNoneMatch("*")
                .metadata(Map.of(TOKEN_METADATA, token))
                .serverSideEncryption(serverSideEncryption())
                .ssekmsKeyId(kmsKeyId())
                .build();
        PutObjectResponse response = client.putObject(request, body(payload));
        return new ObjectInfo(key, payload.length(), etag(response.eTag()), Instant.now());
    }

    /**
     * Whether the object that made our create-only write fail is the one our own earlier try
     * wrote. One that has vanished since (a cleanup removed it) existed when we tried, and was
     * not necessarily ours: report it as somebody else's.
     */
    private boolean ownWrite(String key, String token) {
        try {
            HeadObjectResponse existing = client.headObject(b -> b.bucket(root.bucket()).key(fullKey(key)));
            return token.equals(existing.metadata().get(TOKEN_METADATA));
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && (e.awsErrorDetails() == null || !"NoSuchBucket".equals(e.awsErrorDetails().errorCode()))) {
                return false;
            }
            throw S3Errors.translate(location, key, e);
        } catch (SdkException e) {
            throw S3Errors.translate(location, key, e);
        }
    }

    /**
     * Writes a probe object twice with {@code If-None-Match: *}; a store that enforces the
     * condition must refuse the second write. Runs once per store, before the first create-only
     * write, and removes the probe afterwards.
     */
    private void checkConditionalWrites() {
        if (conditionalWritesChecked) {
            return;
        }
        synchronized (probeLock) {
            if (conditionalWritesChecked) {
                return;
            }
            String probeKey = ".ftindex-probe-" + UUID.randomUUID();
            Payload probe = Payload.of(new byte[] {'p'});
            try {
                conditionalPut(probeKey, fullKey(probeKey), probe, "probe");
                boolean enforced;
                try {
                    conditionalPut(probeKey, fullKey(probeKey), probe, "probe-2");
                    enforced = false;
                } catch (S3Exception e) {
                    if (e.statusCode() != 412) {
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
                conditionalWritesChecked = true;
            } catch (S3Exception e) {
                if (e.statusCode() == 501 || e.statusCode() == 400) {
                    throw new PermanentStorageException(location, probeKey,
                            "this store rejects conditional writes (If-None-Match), which ftindex needs", e);
                }
                throw S3Errors.translate(location, probeKey, e);
            } catch (SdkException e) {
                throw S3Errors.translate(location, probeKey, e);
            } finally {
                try {
                    client.deleteObject(b -> b.bucket(root.bucket()).key(fullKey(probeKey)));
                } catch (SdkException e) {
                    LOG.log(Level.WARNING, location + probeKey + ": could not remove the conditional-write probe: " + e.getMessage());
                }
            }
        }
    }

    @Override
    public ObjectInfo copy(String sourceKey, String targetKey, Optional<String> expectedSourceEtag) {
        String fullTarget = fullKey(targetKey);
        // The size decides between a single and a multipart copy; pinning every request to the
        // etag we sized makes sure all parts come from that one version of the source.
        ObjectInfo source = head(sourceKey);
        if (expectedSourceEtag.isPresent() && !expectedSourceEtag.get().equals(source.etag())) {
            throw new PreconditionFailedException(location, sourceKey,
                    "etag is " + source.etag() + ", expected " + expectedSourceEtag.get(), null);
        }
        try {
            if (source.size() > settings.multipartCopyThreshold()) {
                return multipartCopy(source, targetKey, fullTarget);
            }
            CopyObjectRequest.Builder request = CopyObjectRequest.builder()
                    .sourceBucket(root.bucket())
                    .sourceKey(fullKey(sourceKey))
                    .destinationBucket(root.bucket())
                    .destinationKey(fullTarget)
                    .copySourceIfMatch(source.etag())
                    .serverSideEncryption(serverSideEncryption())
                    .ssekmsKeyId(kmsKeyId());
            CopyObjectResponse response = client.copyObject(request.build());
            return new ObjectInfo(targetKey, source.size(), etag(response.copyObjectResult().eTag()), Instant.now());
        } catch (S3Exception e) {
            throw copyError(sourceKey, targetKey, e);
        } catch (SdkException e) {
            throw S3Errors.translate(location, targetKey, e);
        }
    }

    private StorageException copyError(String sourceKey, String targetKey, S3Exception e) {
        if (e.statusCode() == 412) {
            return new PreconditionFailedException(location, sourceKey, "source changed during the copy to " + targetKey, null);
        }
        if (e.statusCode() == 404 && !"NoSuchBucket".equals(e.awsErrorDetails().errorCode())) {
            return new ObjectNotFoundException(location, sourceKey, null);
        }
        return S3Errors.translate(location, targetKey, e);
    }

    private ObjectInfo multipartCopy(ObjectInfo source, String targetKey, String fullTarget) {
        long partSize = settings.copyPartSize();
        String fullSource = fullKey(source.key());
        String etag = multipart(targetKey, fullTarget, source.size(), partSize, partNumber -> {
            long first = (partNumber - 1) * partSize;
            long last = Math.min(source.size(), first + partSize) - 1;
            return uploadId -> {
                try {
                    String partEtag = client.uploadPartCopy(b -> b
                            .sourceBucket(root.bucket())
                            .sourceKey(fullSource)
                            .destinationBucket(root.bucket())
                            .destinationKey(fullTarget)
                            .uploadId(uploadId)
                            .partNumber(partNumber)
                            .copySourceRange("bytes=" + first + "-" + last)
                            .copySourceIfMatch(source.etag()))
                            .copyPartResult().eTag();
                    return CompletedPart.builder().partNumber(partNumber).eTag(partEtag).build();
                } catch (S3Exception e) {
                    throw copyError(source.key(), targetKey, e);
                }
            };
        });
        return new ObjectInfo(targetKey, source.size(), etag(etag), Instant.now());
    }

    private ObjectInfo multipartUpload(String key, String fullKey, Payload payload, long length) {
        long partSize = settings.uploadPartSize();
        String etag = multipart(key, fullKey, length, partSize, partNumber -> {
            long offset = (partNumber - 1) * partSize;
            long size = Math.min(partSize, length - offset);
            return uploadId -> {
                RequestBody body = RequestBody.fromContentProvider(slice(payload, offset, size), size, "application/octet-stream");
                String partEtag = client.uploadPart(b -> b
                        .bucket(root.bucket())
                        .key(fullKey)
                        .uploadId(uploadId)
                        .partNumber(partNumber)
                        .contentLength(size), body).eTag();
                return CompletedPart.builder().partNumber(partNumber).eTag(partEtag).build();
            };
        });
        return new ObjectInfo(key, length, etag(etag), Instant.now());
    }

    /** A part transfer given the upload id. */
    private interface PartTransfer {
        CompletedPart transfer(String uploadId);
    }

    /**
     * Runs a multipart upload: create, transfer every part in parallel, complete. On any failure
     * the upload is aborted so no parts linger (and bill); an abort failure is attached to the
     * original error, which stays the one reported.
     */
    private String multipart(String key, String fullKey, long length, long partSize, IntFunction<PartTransfer> parts) {
        CreateMultipartUploadRequest create = CreateMultipartUploadRequest.builder()
                .bucket(root.bucket())
                .key(fullKey)
                .serverSideEncryption(serverSideEncryption())
                .ssekmsKeyId(kmsKeyId())
                .build();
        String uploadId;
        try {
            uploadId = client.createMultipartUpload(create).uploadId();
        } catch (SdkException e) {
            throw S3Errors.translate(location, key, e);
        }
        int count = (int) Math.max(1, (length + partSize - 1) / partSize);
        try {
            List<Callable<CompletedPart>> transfersOfParts = new ArrayList<>(count);
            for (int partNumber = 1; partNumber <= count; partNumber++) {
                PartTransfer part = parts.apply(partNumber);
                transfersOfParts.add(() -> part.transfer(uploadId));
            }
            // Returns, also on a failure, only when no part is still in flight: a part that lands
            // after the abort would stay stored (and billed) under an upload nobody completes.
            List<CompletedPart> completed = Tasks.runAll(transfers, transfersOfParts);
            return client.completeMultipartUpload(CompleteMultipartUploadRequest.builder()
                    .bucket(root.bucket())
                    .key(fullKey)
                    .uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build())
                    .build()).eTag();
        } catch (RuntimeException e) {
            try {
                client.abortMultipartUpload(AbortMultipartUploadRequest.builder()
                        .bucket(root.bucket()).key(fullKey).uploadId(uploadId).build());
            } catch (SdkException abortFailure) {
                e.addSuppressed(S3Errors.translate(location, key, abortFailure));
            }
            if (e instanceof SdkException sdk) {
                throw S3Errors.translate(location, key, sdk);
            }
            throw e;
        }
    }

    @Override
    public void delete(String key) {
        String fullKey = fullKey(key);
        try {
            client.deleteObject(b -> b.bucket(root.bucket()).key(fullKey));
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && !"NoSuchBucket".equals(e.awsErrorDetails().errorCode())) {
                return;
            }
            throw S3Errors.translate(location, key, e);
        } catch (SdkException e) {
            throw S3Errors.translate(location, key, e);
        }
    }

    @Override
    public void deleteAll(Collection<String> keys) {
        List<String> all = new ArrayList<>(keys);
        all.forEach(Keys::validate);
        Map<String, StorageException> failures = new LinkedHashMap<>();
        for (int from = 0; from < all.size(); from += DELETE_BATCH) {
            List<String> batch = all.subList(from, Math.min(all.size(), from + DELETE_BATCH));
            List<ObjectIdentifier> ids = batch.stream().map(k -> ObjectIdentifier.builder().key(fullKey(k)).build()).toList();
            try {
                DeleteObjectsResponse response = client.deleteObjects(b -> b
                        .bucket(root.bucket())
                        .delete(Delete.builder().objects(ids).quiet(true).build()));
                for (S3Error error : response.errors()) {
                    String key = error.key().substring(root.prefix().length());
                    String problem = "delete failed (" + error.code() + ": " + error.message() + ")";
                    failures.put(key, TRANSIENT_DELETE_CODES.contains(error.code())
                            ? new TransientStorageException(location, key, problem, null)
                            : new PermanentStorageException(location, key, problem, null));
                }
            } catch (SdkException e) {
                StorageException error = S3Errors.translate(location, null, e);
                batch.forEach(key -> failures.put(key, error));
            }
        }
        BulkDeletes.throwIfAny(location, all.size(), failures);
    }

    private static final java.util.Set<String> TRANSIENT_DELETE_CODES =
            java.util.Set.of("InternalError", "SlowDown", "ServiceUnavailable", "OperationAborted");

    @Override
    public RequestMetrics metrics() {
        return metrics;
    }

    @Override
    public void close() {
        transfers.shutdownNow();
        client.close();
    }

    private String fullKey(String key) {
        return root.prefix() + Keys.validate(key);
    }

    /** The encryption header of every write, or null (header omitted). */
    private ServerSideEncryption serverSideEncryption() {
        return switch (settings.encryption().mode()) {
            case NONE -> null;
            case SSE_S3 -> ServerSideEncryption.AES256;
            case SSE_KMS -> ServerSideEncryption.AWS_KMS;
        };
    }

    private String kmsKeyId() {
        return settings.encryption().kmsKeyId().orElse(null);
    }

    private static RequestBody body(Payload payload) {
        return switch (payload) {
            case Payload.Bytes bytes -> RequestBody.fromBytes(bytes.bytes());
            case Payload.File file -> RequestBody.fromFile(file.path());
        };
    }

    /** A re-openable view of {@code size} bytes at {@code offset}, so a retried part re-reads them. */
    private static ContentStreamProvider slice(Payload payload, long offset, long size) {
        return () -> {
            try {
                InputStream in = switch (payload) {
                    case Payload.Bytes bytes -> new java.io.ByteArrayInputStream(bytes.bytes(), (int) offset, (int) size);
                    case Payload.File file -> {
                        FileChannel channel = FileChannel.open(file.path(), StandardOpenOption.READ);
                        channel.position(offset);
                        yield Channels.newInputStream(channel);
                    }
                };
                return new BoundedInputStream(in, size);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    /** Some S3-compatible stores list objects without an etag (S3Proxy, for one being written). */
    private static String etag(String etag) {
        return etag == null ? "" : etag;
    }

    private static Instant lastModified(Instant instant) {
        return instant == null ? Instant.EPOCH : instant;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Closing an HTTP response body before its end makes the client drain the rest; for a large
     * object read partly that can mean gigabytes. Abort the connection instead.
     */
    private final class AbortingStream extends FilterInputStream {
        private final ResponseInputStream<GetObjectResponse> response;
        private final String key;
        private long remaining;

        AbortingStream(ResponseInputStream<GetObjectResponse> response, String key, long length) {
            super(response);
            this.response = response;
            this.key = key;
            this.remaining = length;
        }

        @Override
        public int read() throws IOException {
            int b = wrap(() -> response.read());
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = wrap(() -> response.read(buffer, offset, length));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        private int wrap(IoCall call) throws IOException {
            try {
                return call.run();
            } catch (SdkException e) {
                throw new IOException(S3Errors.translate(location, key, e));
            }
        }

        @Override
        public void close() throws IOException {
            if (remaining > 0) {
                response.abort();
            }
            response.close();
        }
    }

    private interface IoCall {
        int run() throws IOException;
    }

    /** Counts every HTTP request by operation, every retry, and throttling answers. */
    private static final class MetricsInterceptor implements ExecutionInterceptor {
        private static final ExecutionAttribute<AtomicInteger> ATTEMPTS = new ExecutionAttribute<>("ftindex.attempts");
        private final RequestMetrics metrics;

        MetricsInterceptor(RequestMetrics metrics) {
            this.metrics = metrics;
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            attributes.putAttribute(ATTEMPTS, new AtomicInteger());
        }

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            metrics.request(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
            context.httpRequest().firstMatchingHeader("Content-Length")
                    .ifPresent(length -> metrics.bytes(0, Long.parseLong(length)));
            AtomicInteger attempts = attributes.getAttribute(ATTEMPTS);
            if (attempts != null && attempts.incrementAndGet() > 1) {
                metrics.retry();
            }
        }

        @Override
        public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
            int status = context.httpResponse().statusCode();
            metrics.status(status);
            // Only GetObject answers carry object bytes (a HEAD's Content-Length has no body).
            if (status / 100 == 2 && "GetObject".equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
                context.httpResponse().firstMatchingHeader("Content-Length")
                        .ifPresent(length -> metrics.bytes(Long.parseLong(length), 0));
            }
        }
    }
}
