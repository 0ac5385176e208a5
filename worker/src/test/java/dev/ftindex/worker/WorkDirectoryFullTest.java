package dev.ftindex.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.ftindex.builder.WorkDirectoryFullException;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.lucene.store.AlreadyClosedException;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.FilterDirectory;
import org.apache.lucene.store.IOContext;
import org.apache.lucene.store.IndexOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A worker whose work directory fills up: the disk-full error is the one reported (not the
 * "this IndexWriter is closed" it causes in the other indexing threads), it is retryable,
 * nothing is staged and the work directory is removed.
 */
class WorkDirectoryFullTest {
    @TempDir
    Path temp;

    @ParameterizedTest(name = "{0} bytes of room")
    @ValueSource(longs = {0, 20_000, 400_000, 2_000_000})
    void aFullWorkDirectoryIsReportedFirstAndNothingIsStaged(long room) throws Exception {
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 20_000, 1));
        Path work = temp.resolve("work");
        WorkerConfig config = WorkerConfig.builder(TestDocuments.spec(), List.of(input.toString()), 0)
                .threads(4)
                .ramBufferMb(1)
                .workDirectory(Optional.of(work))
                .build();
        try (ObjectStore store = InMemoryObjectStore.create()) {
            Throwable failure = catchThrowable(() -> new Worker(store, config, location -> null, Progress.silent(),
                    path -> new FullDisk(FSDirectory.open(path), room)).run());

            assertThat(failure).isInstanceOf(WorkDirectoryFullException.class)
                    .hasMessageStartingWith("the work directory " + work + " is full (")
                    .hasMessageContaining(" free): No space left on device")
                    .hasMessageContaining("nothing was staged");
            assertThat(failure.getMessage()).doesNotContain("\n").doesNotContain("IndexWriter is closed");
            assertThat(failure.getCause()).isInstanceOf(IOException.class).hasMessage("No space left on device");
            assertThat(store.list("")).as("nothing staged").isEmpty();
            try (Stream<Path> left = Files.list(work)) {
                assertThat(left).as("the work directory is removed").isEmpty();
            }
        }
    }

    @Test
    void theRootCauseWinsOverTheClosedWriterItCausesElsewhere() throws Exception {
        // Many threads and a tiny buffer: flushes from several threads race into the full disk.
        Path input = TestDocuments.write(temp.resolve("in.jsonl"), TestDocuments.lines(0, 30_000, 2));
        for (int round = 0; round < 5; round++) {
            Path work = temp.resolve("work-" + round);
            WorkerConfig config = WorkerConfig.builder(TestDocuments.spec(), List.of(input.toString()), 0)
                    .threads(8)
                    .ramBufferMb(1)
                    .workDirectory(Optional.of(work))
                    .build();
            try (ObjectStore store = InMemoryObjectStore.create()) {
                Throwable failure = catchThrowable(() -> new Worker(store, config, location -> null, Progress.silent(),
                        path -> new FullDisk(FSDirectory.open(path), 300_000)).run());

                assertThat(failure).isInstanceOf(WorkDirectoryFullException.class);
                Throwable reported = failure.getSuppressed()[0];
                assertThat(reported).as("what the indexing threads reported").isNotInstanceOf(AlreadyClosedException.class);
                assertThat(rootOf(reported)).hasMessage("No space left on device");
            }
        }
    }

    private static Throwable rootOf(Throwable failure) {
        Throwable current = failure;
        while (current.getCause() != null && current.getCause() != current) {
            current = current.getCause();
        }
        return current;
    }

    /** A directory on a disk with {@code room} bytes free: every write beyond fails as the kernel would. */
    static final class FullDisk extends FilterDirectory {
        private final AtomicLong left;

        FullDisk(Directory delegate, long room) {
            super(delegate);
            this.left = new AtomicLong(room);
        }

        @Override
        public IndexOutput createOutput(String name, IOContext context) throws IOException {
            return new Limited(in.createOutput(name, context));
        }

        @Override
        public IndexOutput createTempOutput(String prefix, String suffix, IOContext context) throws IOException {
            return new Limited(in.createTempOutput(prefix, suffix, context));
        }

        private final class Limited extends IndexOutput {
            private final IndexOutput out;

            Limited(IndexOutput out) {
                super("limited(" + out + ")", out.getName());
                this.out = out;
            }

            private void take(long bytes) throws IOException {
                if (left.addAndGet(-bytes) < 0) {
                    throw new IOException("No space left on device");
                }
            }

            @Override
            public void writeByte(byte b) throws IOException {
                take(1);
                out.writeByte(b);
            }

            @Override
            public void writeBytes(byte[] b, int offset, int length) throws IOException {
                take(length);
                out.writeBytes(b, offset, length);
            }

            @Override
            public long getFilePointer() {
                return out.getFilePointer();
            }

            @Override
            public long getChecksum() throws IOException {
                return out.getChecksum();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        }
    }
}
