package dev.ftindex.objectstore;

import java.io.FilterInputStream;
import java.io.IOException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The body of a GET. Closing an HTTP response body before its end makes the client drain the
 * rest; for a large object read partly that can mean gigabytes, so the connection is aborted
 * instead. Failures while reading are translated like every other S3 failure.
 */
final class S3ResponseStream extends FilterInputStream {
    private final ResponseInputStream<GetObjectResponse> response;
    private final String location;
    private final String key;
    private long remaining;

    S3ResponseStream(ResponseInputStream<GetObjectResponse> response, String location, String key, long length) {
        super(response);
        this.response = response;
        this.location = location;
        this.key = key;
        this.remaining = length;
    }

    @Override
    public int read() throws IOException {
        int b = wrap(response::read);
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

    private interface IoCall {
        int run() throws IOException;
    }
}
