package dev.ftindex.objectstore.testing;

import static java.util.Objects.requireNonNull;

import dev.ftindex.objectstore.ByteRange;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.RequestMetrics;
import dev.ftindex.objectstore.TransientStorageException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Wraps a store and breaks it on purpose, so that tests can drive a protocol through every
 * failure it must survive. Mutating calls (put, putIfAbsent, copy, delete, deleteAll) are
 * numbered from 1 in the order they start. The wrapper can:
 *
 * <ul>
 *   <li>crash before or after the k-th mutating call: throw {@link InjectedCrash} and refuse
 *       every later call, as if the process had died at that point;
 *   <li>give an ambiguous outcome at the k-th mutating call, or at random: apply it, then throw
 *       {@link TransientStorageException} as if the response had been lost;
 *   <li>fail any call with a transient error before it is applied, at random;
 *   <li>add random latency to every call.
 * </ul>
 *
 * Randomness is seeded, so a failing run can be repeated.
 */
public final class FaultInjectingObjectStore implements ObjectStore {

    /** One operation of the store contract. */
    public enum Operation {
        HEAD(false), GET(false), LIST(false),
        PUT(true), PUT_IF_ABSENT(true), COPY(true), DELETE(true), DELETE_ALL(true);

        private final boolean mutating;

        Operation(boolean mutating) {
            this.mutating = mutating;
        }

        public boolean mutating() {
            return mutating;
        }
    }

    /** A mutating call as it was made: its number, operation and (first) key. */
    public record MutatingCall(int number, Operation operation, String key) {}

    private final ObjectStore delegate;
    private final int crashBefore;
    private final int crashAfter;
    private final Set<Integer> ambiguousAt;
    private final double transientRate;
    private final double ambiguousRate;
    private final Duration maxLatency;
    private final Random random;
    private final AtomicInteger mutations = new AtomicInteger();
    private final List<MutatingCall> log = new ArrayList<>();
    private volatile String crash;

    private FaultInjectingObjectStore(Builder builder) {
        this.delegate = builder.delegate;
        this.crashBefore = builder.crashBefore;
        this.crashAfter = builder.crashAfter;
        this.ambiguousAt = Set.copyOf(builder.ambiguousAt);
        this.transientRate = builder.transientRate;
        this.ambiguousRate = builder.ambiguousRate;
        this.maxLatency = builder.maxLatency;
        this.random = new Random(builder.seed);
    }

    public static Builder wrap(ObjectStore delegate) {
        return new Builder(delegate);
    }

    /** How many mutating calls have started. */
    public int mutatingCalls() {
        return mutations.get();
    }

    /** Every mutating call so far, in order. */
    public List<MutatingCall> mutatingCallLog() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** Whether an injected crash has happened. */
    public boolean crashed() {
        return crash != null;
    }

    @Override
    public String location() {
        return delegate.location();
    }

    @Override
    public ObjectInfo head(String key) {
        return call(Operation.HEAD, key, () -> delegate.head(key));
    }

    @Override
    public ObjectStream get(String key, ByteRange range) {
        return call(Operation.GET, key, () -> delegate.get(key, range));
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        return call(Operation.LIST, prefix, () -> delegate.list(prefix));
    }

    @Override
    public List<ObjectInfo> listShallow(String prefix) {
        return call(Operation.LIST, prefix, () -> delegate.listShallow(prefix));
    }

    @Override
    public List<String> listPrefixes(String prefix) {
        return call(Operation.LIST, prefix, () -> delegate.listPrefixes(prefix));
    }

    @Override
    public ObjectInfo put(String key, Payload payload) {
        return call(Operation.PUT, key, () -> delegate.put(key, payload));
    }

    @Override
    public ObjectInfo putIfAbsent(String key, Payload payload) {
        return call(Operation.PUT_IF_ABSENT, key, () -> delegate.putIfAbsent(key, payload));
    }

    @Override
    public ObjectInfo copy(String sourceKey, String targetKey, Optional<String> expectedSourceEtag) {
        return call(Operation.COPY, targetKey, () -> delegate.copy(sourceKey, targetKey, expectedSourceEtag));
    }

    @Override
    public void delete(String key) {
        call(Operation.DELETE, key, () -> {
            delegate.delete(key);
            return null;
        });
    }

    @Override
    public void deleteAll(Collection<String> keys) {
        String first = keys.isEmpty() ? null : keys.iterator().next();
        call(Operation.DELETE_ALL, first, () -> {
            delegate.deleteAll(keys);
            return null;
        });
    }

    @Override
    public RequestMetrics metrics() {
        return delegate.metrics();
    }

    @Override
    public void close() {
        delegate.close();
    }

    private <T> T call(Operation operation, String key, Supplier<T> action) {
        checkAlive();
        delay();
        if (chance(transientRate)) {
            throw new TransientStorageException(location(), key, "injected transient failure of " + operation, null);
        }
        if (!operation.mutating()) {
            return action.get();
        }
        int number;
        synchronized (log) {
            checkAlive();
            number = mutations.incrementAndGet();
            log.add(new MutatingCall(number, operation, key));
            if (number == crashBefore) {
                crash = "crashed before mutating call " + number + " (" + operation + " " + key + ")";
                throw new InjectedCrash(crash);
            }
        }
        T result = action.get();
        if (number == crashAfter) {
            crash = "crashed after mutating call " + number + " (" + operation + " " + key + ")";
            throw new InjectedCrash(crash);
        }
        if (ambiguousAt.contains(number) || chance(ambiguousRate)) {
            throw new TransientStorageException(location(), key,
                    "injected ambiguous outcome: " + operation + " was applied but reported as failed", null);
        }
        return result;
    }

    private void checkAlive() {
        String reason = crash;
        if (reason != null) {
            throw new InjectedCrash("store is dead: " + reason);
        }
    }

    private boolean chance(double rate) {
        if (rate <= 0) {
            return false;
        }
        synchronized (random) {
            return random.nextDouble() < rate;
        }
    }

    private void delay() {
        if (maxLatency.isZero()) {
            return;
        }
        long nanos;
        synchronized (random) {
            nanos = (long) (random.nextDouble() * maxLatency.toNanos());
        }
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientStorageException(location(), null, "interrupted", e);
        }
    }

    public static final class Builder {
        private final ObjectStore delegate;
        private int crashBefore = -1;
        private int crashAfter = -1;
        private final Set<Integer> ambiguousAt = new HashSet<>();
        private double transientRate;
        private double ambiguousRate;
        private Duration maxLatency = Duration.ZERO;
        private long seed = 42;

        private Builder(ObjectStore delegate) {
            this.delegate = requireNonNull(delegate, "delegate is null");
        }

        /** Crash when the k-th mutating call starts, before it is applied. */
        public Builder crashBefore(int k) {
            this.crashBefore = positive(k);
            return this;
        }

        /** Crash right after the k-th mutating call was applied, before its caller learns it. */
        public Builder crashAfter(int k) {
            this.crashAfter = positive(k);
            return this;
        }

        /** Apply the k-th mutating call, then report it as a transient failure. */
        public Builder ambiguousAt(int k) {
            this.ambiguousAt.add(positive(k));
            return this;
        }

        /** Fail this fraction of all calls with a transient error, before applying them. */
        public Builder transientErrors(double rate) {
            this.transientRate = rate(rate);
            return this;
        }

        /** Apply this fraction of mutating calls, then report them as transient failures. */
        public Builder ambiguousOutcomes(double rate) {
            this.ambiguousRate = rate(rate);
            return this;
        }

        /** Sleep a random time up to {@code max} before every call. */
        public Builder latency(Duration max) {
            this.maxLatency = requireNonNull(max, "max is null");
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public FaultInjectingObjectStore build() {
            return new FaultInjectingObjectStore(this);
        }

        private static int positive(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("mutating calls are numbered from 1: " + k);
            }
            return k;
        }

        private static double rate(double rate) {
            if (rate < 0 || rate > 1) {
                throw new IllegalArgumentException("rate must be between 0 and 1: " + rate);
            }
            return rate;
        }
    }
}
