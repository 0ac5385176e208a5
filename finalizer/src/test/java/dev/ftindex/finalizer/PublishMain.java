package dev.ftindex.finalizer;

import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.ConflictException;
import dev.ftindex.format.Json;
import dev.ftindex.format.progress.Progress;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.StoreLocation;
import dev.ftindex.objectstore.testing.DelegatingStore;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A publisher in a process of its own. Arguments: {@code <generation> <barrier dir> <parties>}
 * then {@code local <dir>} or {@code s3 <endpoint> <bucket> <prefix>}. Before its first write of
 * an alias version it waits until {@code parties} processes have come that far (a file each in
 * the barrier directory): each has read the alias, so they race for the same next version. Exit 0 and the JSON result when it
 * won; exit 5 and the message on stderr when another won.
 */
public final class PublishMain {
    private PublishMain() {}

    public static void main(String[] args) throws Exception {
        String generation = args[0];
        Path barrier = Path.of(args[1]);
        int parties = Integer.parseInt(args[2]);
        ObjectStore store = args[3].equals("local")
                ? ObjectStores.local(Path.of(args[4]))
                : ObjectStores.open(new StoreLocation.S3(args[5], args[6]), S3ProxyServer.settings(URI.create(args[4])).build(), Map.of());
        try (store) {
            ObjectStore waiting = new DelegatingStore(store) {
                private boolean waited;

                @Override
                public ObjectInfo putIfAbsent(String key, Payload payload) {
                    if (key.startsWith(CollectionLayout.ALIAS_PREFIX) && !waited) {
                        waited = true;
                        await(barrier, generation, parties);
                    }
                    return super.putIfAbsent(key, payload);
                }
            };
            Publisher.Result result = new Publisher(waiting, 4, Progress.silent()).publish(generation);
            System.out.write(Json.write(result));
            System.out.flush();
        } catch (ConflictException e) {
            System.err.println(e.getMessage());
            System.exit(5);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void await(Path barrier, String name, int parties) {
        try {
            Files.createFile(barrier.resolve(name));
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline) {
                try (Stream<Path> arrived = Files.list(barrier)) {
                    if (arrived.count() >= parties) {
                        return;
                    }
                }
                Thread.sleep(5);
            }
            throw new IllegalStateException("the other publishers never arrived");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
