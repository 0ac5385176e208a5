package dev.ftindex.cli;

import dev.ftindex.finalizer.Publisher;
import dev.ftindex.objectstore.ObjectStore;
import java.util.Locale;
import java.util.function.Function;

/** What publish and rollback share: opening the collection, the publisher, and the one line they print for people. */
final class Publish {
    private Publish() {}

    /** Runs {@code action} with a publisher of the collection {@code store} names, and reports its result as {@code verb}. */
    static Verb.Outcome run(Verb.Context context, StoreOptions store, int concurrency, String verb, Function<Publisher, Publisher.Result> action) {
        try (Stores stores = store.open(context.environment())) {
            ObjectStore collection = stores.open(store.collection());
            context.console().root(collection.location());
            Publisher.Result result = action.apply(new Publisher(collection, concurrency, context.console().progress()));
            context.console().info(summary(result));
            return Verb.Outcome.json(Results.of(verb, collection.location(), result));
        }
    }

    static String summary(Publisher.Result result) {
        if (result.status() == Publisher.Status.ALREADY_CURRENT) {
            return "generation " + result.generation() + " is current already (alias version " + result.alias().version() + "); nothing changed";
        }
        return String.format(Locale.ROOT, "%s: generation %s is current (alias version %d; previous %s; %d files, %s checked)",
                result.status().json(), result.generation(), result.alias().version(), result.previous() == null ? "none" : result.previous(),
                result.files(), Console.size(result.bytes()));
    }
}
