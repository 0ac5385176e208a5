package dev.ftindex.integrationtests;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ftindex.format.CollectionLayout;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.Json;
import dev.ftindex.format.testing.AliasInvariant;
import dev.ftindex.format.testing.TestDocuments;
import dev.ftindex.objectstore.ObjectInfo;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStores;
import dev.ftindex.objectstore.Payload;
import dev.ftindex.objectstore.ObjectStream;
import dev.ftindex.objectstore.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20 as a user met it: the shipped {@code ftindex publish} and {@code ftindex gc --delete
 * --grace 0s} as processes at the same time on one collection (5 publishes of this round's and
 * the last round's generations against 4 gc runs, 3 rounds), on a local directory and on S3Proxy.
 * After every round, every generation the latest alias version names is committed and whole.
 */
class PublishGcRaceEndToEndTest {
    private static final int ROUNDS = 3;
    private static final Set<Integer> PUBLISH_EXITS = Set.of(0, 4, 5);

    @TempDir
    Path temp;

    @Test
    void onALocalDirectory() throws Exception {
        Path collection = temp.resolve("collection");
        try (ObjectStore store = ObjectStores.local(collection)) {
            race(new Ftindex(Map.of()), store, collection.toString(), List.of());
        }
    }

    @Test
    void onS3Proxy() throws Exception {
        S3ProxyServer server = S3ProxyServer.shared();
        String bucket = server.newBucket();
        Ftindex ftindex = new Ftindex(Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY,
                "AWS_REGION", "us-east-1"));
        try (ObjectStore store = ObjectStores.open(new dev.ftindex.objectstore.StoreLocation.S3(bucket, "products/"),
                server.settings().build(), Map.of())) {
            race(ftindex, store, "s3://" + bucket + "/products", List.of("--endpoint", server.endpoint().toString()));
        }
    }

    private void race(Ftindex ftindex, ObjectStore store, String collection, List<String> storeArgs) throws Exception {
        Path input = TestDocuments.write(temp.resolve("docs.jsonl"), TestDocuments.lines(0, 400, 4));
        Path spec = Files.write(temp.resolve("spec.json"), Json.write(TestDocuments.spec()));
        Ftindex.Result built = ftindex.run(args(storeArgs, "build", "--collection", collection, "--generation", "template", "--spec",
                spec.toString(), "--input", input.toString(), "--workers", "2"));
        assertThat(built.exitCode()).as(built.toString()).isZero();

        long seed = System.nanoTime();
        Random random = new Random(seed);
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> last = List.of();
        for (int round = 0; round < ROUNDS; round++) {
            List<String> fresh = List.of("r" + round + "-a", "r" + round + "-b", "r" + round + "-c");
            for (String generation : fresh) {
                copyCommitted(store, "template", generation);
            }
            Ftindex.Result first = ftindex.run(args(storeArgs, "publish", "--collection", collection, "--generation", fresh.getFirst()));
            assertThat(first.exitCode()).as(first.toString()).isZero();

            List<String> candidates = new ArrayList<>(fresh);
            candidates.addAll(last);
            List<String[]> commands = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                commands.add(args(storeArgs, "publish", "--collection", collection, "--generation",
                        candidates.get(random.nextInt(candidates.size()))));
            }
            for (int i = 0; i < 4; i++) {
                commands.add(args(storeArgs, "gc", "--collection", collection, "--delete", "--grace", "0s"));
            }
            Collections.shuffle(commands, random);
            List<Ftindex.Running> running = new ArrayList<>();
            for (String[] command : commands) {
                running.add(ftindex.start(command));
            }
            for (Ftindex.Running process : running) {
                Ftindex.Result result = process.await();
                String verb = result.command().get(result.command().indexOf("--collection") - 1);
                if (verb.equals("gc")) {
                    assertThat(result.exitCode()).as("seed " + seed + "\n" + result).isZero();
                } else {
                    assertThat(result.exitCode()).as("seed " + seed + "\n" + result).isIn(PUBLISH_EXITS);
                    assertThat(result.err()).as("one line, no stack trace\n" + result).doesNotContain("\tat ");
                }
                outcomes.merge(verb + " exit " + result.exitCode(), 1, Integer::sum);
            }
            assertAliasNamesCompleteGenerations(store, "seed " + seed + ", round " + round + ", " + outcomes);
            outcomes.merge("rounds", 1, Integer::sum);
            last = fresh;
        }
        System.out.println("publish/gc process interleavings on " + collection + ": " + outcomes + ", violations: 0");
    }

    private static String[] args(List<String> storeArgs, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(storeArgs);
        return all.toArray(String[]::new);
    }

    /** A new generation holding the template's committed files (the staging its finalizer removed is not there). */
    private static void copyCommitted(ObjectStore store, String from, String to) throws Exception {
        String source = CollectionLayout.generationPrefix(from);
        for (ObjectInfo object : store.list(source)) {
            String key = object.key().substring(source.length());
            if (!key.startsWith(IndexLayout.STAGING)) {
                try (ObjectStream stream = store.get(object.key())) {
                    store.put(CollectionLayout.generationPrefix(to) + key, Payload.of(stream.readAllRemaining()));
                }
            }
        }
    }

    private static void assertAliasNamesCompleteGenerations(ObjectStore store, String context) {
        assertThat(AliasInvariant.violations(store)).as(context).isEmpty();
    }
}
