package dev.ftindex.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.function.IntFunction;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;

/**
 * Multipart uploads and copies: create, transfer the parts in parallel, complete; on any failure
 * abort, so that no parts linger (and bill). Uploads re-read each part from the payload when the
 * client retries it; copies pin every part to the source's etag, so all come from one version.
 */
final class S3Multipart {
    private final S3Client client;
    private final StoreLocation.S3 root;
    private final String location;
    private final S3Settings settings;
    private final ExecutorService transfers;

    S3Multipart(S3Client client, StoreLocation.S3 root, S3Settings settings, ExecutorService transfers) {
        this.client = client;
        this.root = root;
        this.location = root.uri();
        this.settings = settings;
        this.transfers = transfers;
    }

    ObjectInfo upload(String key, Payload payload) {
        long length = payload.length();
        long partSize = settings.uploadPartSize();
        String fullKey = root.prefix() + key;
        String etag = run(key, length, partSize, partNumber -> {
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
        return new ObjectInfo(key, length, S3ObjectStore.etag(etag), Instant.now());
    }

    ObjectInfo copy(ObjectInfo source, String targetKey) {
        long partSize = settings.copyPartSize();
        String fullSource = root.prefix() + source.key();
        String fullTarget = root.prefix() + targetKey;
        String etag = run(targetKey, source.size(), partSize, partNumber -> {
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
                } catch (SdkException e) {
                    throw S3Errors.translateCopy(location, source.key(), targetKey, e);
                }
            };
        });
        return new ObjectInfo(targetKey, source.size(), S3ObjectStore.etag(etag), Instant.now());
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
    private String run(String key, long length, long partSize, IntFunction<PartTransfer> parts) {
        String fullKey = root.prefix() + key;
        CreateMultipartUploadRequest create = CreateMultipartUploadRequest.builder()
                .bucket(root.bucket())
                .key(fullKey)
                .serverSideEncryption(S3ObjectStore.serverSideEncryption(settings))
                .ssekmsKeyId(settings.encryption().kmsKeyId().orElse(null))
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
}
