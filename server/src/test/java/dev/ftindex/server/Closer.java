package dev.ftindex.server;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a test opened, closed after it in the reverse order of opening, so a router closes before
 * the shard servers it calls and a server before the store it reads. Register as an instance field
 * with {@code @RegisterExtension}. Every resource is closed even when one fails to close; the first
 * failure is thrown with the others suppressed.
 */
final class Closer implements AfterEachCallback {
    private final List<AutoCloseable> opened = new ArrayList<>();

    /** Closes {@code closeable} after the test. */
    void add(AutoCloseable closeable) {
        opened.add(closeable);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        Exception failure = null;
        for (AutoCloseable closeable : opened.reversed()) {
            try {
                closeable.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        opened.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
