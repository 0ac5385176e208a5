package dev.ftindex.cli;

import dev.ftindex.finalizer.Publisher;
import java.util.Locale;

/** The one line publish and rollback print for people. */
final class Publish {
    private Publish() {}

    static String summary(Publisher.Result result) {
        if (result.status() == Publisher.Status.ALREADY_CURRENT) {
            return "generation " + result.generation() + " is current already (alias version " + result.alias().version() + "); nothing changed";
        }
        return String.format(Locale.ROOT, "%s: generation %s is current (alias version %d; previous %s; %d files, %s checked)",
                result.status().json(), result.generation(), result.alias().version(), result.previous() == null ? "none" : result.previous(),
                result.files(), Console.size(result.bytes()));
    }
}
