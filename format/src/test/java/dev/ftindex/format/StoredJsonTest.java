package dev.ftindex.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ftindex.objectstore.ObjectAlreadyExistsException;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.TransientStorageException;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.testing.InMemoryObjectStore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The create-only write shared by the worker's manifest, the finalizer's plan and the commit. */
class StoredJsonTest {
    private static final String KEY = IndexLayout.manifestKey(0);
    private final ObjectStore store = InMemoryObjectStore.create();
    private final PartitionManifest ours = ModelsTest.manifest(0, "20261121T000000Z-0000000001", 10);
    private final PartitionManifest theirs = ModelsTest.manifest(0, "20261121T000000Z-0000000002", 20);

    @Test
    void aFreeKeyIsCreated() {
        StoredJson.Created<PartitionManifest> created = create(store, true);

        assertThat(created.outcome()).isEqualTo(StoredJson.Outcome.CREATED);
        assertThat(created.stored()).contains(ours);
        assertThat(StoredJson.read(store, KEY, PartitionManifest.class)).isEqualTo(ours);
    }

    @Test
    void anExistingDocumentIsReturnedAndKept() {
        store.put(KEY, Payload.of(Json.writeChecksummed(theirs)));

        StoredJson.Created<PartitionManifest> created = create(store, true);

        assertThat(created.outcome()).isEqualTo(StoredJson.Outcome.EXISTED);
        assertThat(created.stored()).contains(theirs);
        assertThat(StoredJson.read(store, KEY, PartitionManifest.class)).isEqualTo(theirs);
    }

    @Test
    void aWriteThatLandedButFailedIsFoundByReadingBack() {
        AtomicInteger writes = new AtomicInteger();
        ObjectStore ambiguous = new DelegatingStore(store) {
            @Override
            public ObjectInfo putIfAbsent(String key, Payload payload) {
                writes.incrementAndGet();
                delegate.putIfAbsent(key, payload);
                throw new TransientStorageException(location(), key, "connection reset after the write", null);
            }
        };

        StoredJson.Created<PartitionManifest> created = create(ambiguous, true);

        assertThat(created.outcome()).isEqualTo(StoredJson.Outcome.READ_BACK);
        assertThat(created.stored()).contains(ours);
        assertThat(writes).hasValue(1);
    }

    @Test
    void writesThatNeverLandAreTriedAsThePolicyAllowsThenTheLastFailureIsThrown() {
        AtomicInteger writes = new AtomicInteger();
        ObjectStore failing = new DelegatingStore(store) {
            @Override
            public ObjectInfo putIfAbsent(String key, Payload payload) {
                throw new TransientStorageException(location(), key, "503 SlowDown #" + writes.incrementAndGet(), null);
            }
        };

        int attempts = StoredJson.CREATE_ONLY.maxAttempts();
        assertThatThrownBy(() -> StoredJson.createOnly(failing, KEY, ours, Json.writeChecksummed(ours), true))
                .isInstanceOf(TransientStorageException.class)
                .hasMessageContaining("#" + attempts)
                .satisfies(failure -> assertThat(failure.getSuppressed()).as("the earlier failures").isNotEmpty());
        assertThat(writes).hasValue(attempts);
        assertThat(StoredJson.readIfExists(store, KEY, PartitionManifest.class)).isEmpty();
    }

    @Test
    void aWinnerThatVanishesBeforeItIsReadIsReportedOrWrittenAgainAsTheCallerChooses() {
        assertThat(create(vanishingWinnerOnce(store), false))
                .satisfies(created -> assertThat(created.outcome()).isEqualTo(StoredJson.Outcome.EXISTED))
                .satisfies(created -> assertThat(created.stored()).isEmpty());
        assertThat(StoredJson.readIfExists(store, KEY, PartitionManifest.class)).isEmpty();

        StoredJson.Created<PartitionManifest> retried = create(vanishingWinnerOnce(store), true);

        assertThat(retried.outcome()).isEqualTo(StoredJson.Outcome.CREATED);
        assertThat(StoredJson.read(store, KEY, PartitionManifest.class)).isEqualTo(ours);
    }

    /** A store whose first create-only write finds an object that is gone when it is read. */
    private static ObjectStore vanishingWinnerOnce(ObjectStore store) {
        AtomicInteger writes = new AtomicInteger();
        return new DelegatingStore(store) {
            @Override
            public ObjectInfo putIfAbsent(String key, Payload payload) {
                if (writes.incrementAndGet() == 1) {
                    throw new ObjectAlreadyExistsException(location(), key, null);
                }
                return delegate.putIfAbsent(key, payload);
            }
        };
    }

    private StoredJson.Created<PartitionManifest> create(ObjectStore target, boolean retryIfVanished) {
        return StoredJson.createOnly(target, KEY, ours, Json.writeChecksummed(ours), retryIfVanished);
    }
}
