package dev.ftindex.finalizer;

import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * A finalizer in a process of its own, for tests that run several at once. Arguments:
 * {@code local <dir>} or {@code s3 <endpoint> <bucket> <prefix>}. Prints the JSON result.
 */
public final class FinalizeMain {
    private FinalizeMain() {}

    public static void main(String[] args) throws Exception {
        ObjectStore store = args[0].equals("local")
                ? ObjectStores.local(Path.of(args[1]))
                : ObjectStores.open(new StoreLocation.S3(args[2], args[3]), S3ProxyServer.settings(URI.create(args[1])).build(), Map.of());
        try (store) {
            FinalizeResult result = new Finalizer(store, FinalizerConfig.defaults().withConcurrency(4), Progress.silent()).run();
            System.out.write(Json.write(result));
            System.out.flush();
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }
}
