package dev.ftindex.objectstore;

import static java.util.Objects.requireNonNull;

import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * Objects in an S3 bucket under a prefix, through one {@link S3Client}. The parts, each in a
 * class of its own: the client and its retries ({@link S3Clients}), create-only writes and their
 * probe ({@link S3ConditionalWrites}), multipart transfers ({@link S3Multipart}), GET bodies
 * ({@link S3ResponseStream}), and what S3's answers mean ({@link S3Errors}).
 */
final class S3ObjectStore implements ObjectStore, SupportsVersionedReads {
    private static final int DELETE_BATCH = 1000;

    private final StoreLocation.S3 root;
    private final String location;
    private final S3Settings settings;
    private final S3Client client;
    private final RequestMetrics metrics = new RequestMetrics();
    private final ExecutorService transfers;
    private final S3ConditionalWrites conditionalWrites;
    private final S3Multipart multipart;
    private volatile boolean bucketExists;

    S3ObjectStore(StoreLocation.S3 root, S3Settings settings, Map<String, String> environment) {
        this.root = requireNonNull(root, "root is null");
        this.location = root.uri();
        this.settings = requireNonNull(settings, "settings is null");
        this.client = S3Clients.build(settings, environment, metrics);
        this.transfers = Tasks.pool(settings.transferConcurrency(), "s3-transfer");
        this.conditionalWrites = new S3ConditionalWrites(client, root, settings, S3ObjectStore::body);
        this.multipart = new S3Multipart(client, root, settings, transfers);
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
        } catch (SdkException e) {
            if (S3Errors.kind(e) == S3Errors.Kind.NOT_FOUND) {
                checkBucketExists(key);
            }
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
        } catch (SdkException e) {
            if (S3Errors.kind(e) == S3Errors.Kind.NOT_FOUND) {
                throw new PermanentStorageException(location, key, "bucket does not exist (HTTP 404 for the bucket)", null);
            }
            throw S3Errors.translate(location, key, e);
        }
    }

    @Override
    public ObjectStream get(String key, ByteRange range) {
        return get(key, range, (String) null);
    }

    /** A read of the version {@code etag} names (S3's {@code If-Match}), or of whatever is there when it is null. */
    @Override
    public ObjectStream get(String key, ByteRange range, String etag) {
        String fullKey = fullKey(key);
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(root.bucket()).key(fullKey).ifMatch(etag);
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
        } catch (SdkException e) {
            if (S3Errors.kind(e) == S3Errors.Kind.RANGE_NOT_SATISFIABLE) {
                // The range starts past the end (or the object is empty): nothing to read.
                ObjectInfo info = head(key);
                long[] span = range.resolve(info.size());
                return new ObjectStream(InputStream.nullInputStream(), info, span[0], span[1]);
            }
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
        return new ObjectStream(new S3ResponseStream(response, location, key, length), info, start, start + length);
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return list(prefix, null);
    }

    @Override
    public List<ObjectInfo> listShallow(String prefix) {
        return list(prefix, "/");
    }

    @Override
    public List<String> listPrefixes(String prefix) {
        Keys.validatePrefix(prefix);
        List<String> names = new ArrayList<>();
        try {
            for (var common : client.listObjectsV2Paginator(b -> b.bucket(root.bucket()).prefix(root.prefix() + prefix).delimiter("/"))
                    .commonPrefixes()) {
                String name = common.prefix().substring(root.prefix().length() + prefix.length());
                names.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
            }
        } catch (SdkException e) {
            throw S3Errors.translate(location, prefix, e);
        }
        names.sort(null);
        return names;
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
        result.sort(Comparator.comparing(ObjectInfo::key));
        return result;
    }

    @Override
    public ObjectInfo put(String key, Payload payload) {
        String fullKey = fullKey(key);
        long length = payload.length();
        if (length > settings.multipartUploadThreshold()) {
            return multipart.upload(key, payload);
        }
        PutObjectRequest request = PutObjectRequest.builder()
                .bucket(root.bucket())
                .key(fullKey)
                .serverSideEncryption(serverSideEncryption(settings))
                .ssekmsKeyId(settings.encryption().kmsKeyId().orElse(null))
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
        Keys.validate(key);
        ObjectInfo created = conditionalWrites.putIfAbsent(key, payload);
        return created != null ? created : head(key);
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
        if (source.size() > settings.multipartCopyThreshold()) {
            return multipart.copy(source, targetKey);
        }
        try {
            CopyObjectRequest.Builder request = CopyObjectRequest.builder()
                    .sourceBucket(root.bucket())
                    .sourceKey(fullKey(sourceKey))
                    .destinationBucket(root.bucket())
                    .destinationKey(fullTarget)
                    .copySourceIfMatch(source.etag())
                    .serverSideEncryption(serverSideEncryption(settings))
                    .ssekmsKeyId(settings.encryption().kmsKeyId().orElse(null));
            CopyObjectResponse response = client.copyObject(request.build());
            return new ObjectInfo(targetKey, source.size(), etag(response.copyObjectResult().eTag()), Instant.now());
        } catch (SdkException e) {
            throw S3Errors.translateCopy(location, sourceKey, targetKey, e);
        }
    }

    @Override
    public void delete(String key) {
        String fullKey = fullKey(key);
        try {
            client.deleteObject(b -> b.bucket(root.bucket()).key(fullKey));
        } catch (SdkException e) {
            if (S3Errors.kind(e) == S3Errors.Kind.NOT_FOUND) {
                return;
            }
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
                    failures.put(key, S3Errors.deleteFailure(location, key, error.code(), error.message()));
                }
            } catch (SdkException e) {
                StorageException error = S3Errors.translate(location, null, e);
                batch.forEach(key -> failures.put(key, error));
            }
        }
        BulkDeletes.throwIfAny(location, all.size(), failures);
    }

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
    static ServerSideEncryption serverSideEncryption(S3Settings settings) {
        return switch (settings.encryption().mode()) {
            case NONE -> null;
            case SSE_S3 -> ServerSideEncryption.AES256;
            case SSE_KMS -> ServerSideEncryption.AWS_KMS;
        };
    }

    private static RequestBody body(Payload payload) {
        return switch (payload) {
            case Payload.Bytes bytes -> RequestBody.fromBytes(bytes.bytes());
            case Payload.File file -> RequestBody.fromFile(file.path());
        };
    }

    /** Some S3-compatible stores list objects without an etag (S3Proxy, for one being written). */
    static String etag(String etag) {
        return etag == null ? "" : etag;
    }

    private static Instant lastModified(Instant instant) {
        return instant == null ? Instant.EPOCH : instant;
    }
}
