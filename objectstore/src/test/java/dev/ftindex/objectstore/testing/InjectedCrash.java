package dev.ftindex.objectstore.testing;


/**
 * A simulated process death thrown by {@link FaultInjectingObjectStore}. It is an {@link Error}
 * so that protocol code, which handles {@link Exception}s, does not "recover" from it the way
 * it could never recover from a real kill; after it, the store refuses every call.
 */
public final class InjectedCrash extends Error {
    public InjectedCrash(String message) {
        super(message);
    }
}
