package dev.ftindex.format.testing;

import dev.ftindex.format.AliasVersion;
import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexCollection;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.IndexRoot;
import dev.ftindex.format.LuceneFiles;
import dev.ftindex.objectstore.ObjectStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The invariant gc and publish keep together (docs/PROTOCOL.md, "Garbage collection"): every
 * generation the latest alias version names, current and previous, is committed with the index id
 * the alias names, and every file its metadata lists is there with its size and footer checksum.
 */
public final class AliasInvariant {
    private AliasInvariant() {}

    /** What breaks the invariant now, one line per problem; empty when it holds (or nothing is published). */
    public static List<String> violations(ObjectStore collection) {
        IndexCollection view = new IndexCollection(collection);
        Optional<AliasVersion> latest = view.latest();
        List<String> problems = new ArrayList<>();
        if (latest.isEmpty()) {
            return problems;
        }
        List<AliasVersion.Published> named = new ArrayList<>(List.of(latest.get().current()));
        Optional.ofNullable(latest.get().previous()).ifPresent(named::add);
        for (AliasVersion.Published published : named) {
            String where = "alias version " + latest.get().version() + " names " + published.generation() + ": ";
            ObjectStore root = view.generation(published.generation());
            Optional<IndexRoot.Commit> commit = new IndexRoot(root).commit();
            if (commit.isEmpty()) {
                problems.add(where + "not committed");
                continue;
            }
            if (!commit.get().metadata().indexId().equals(published.indexId())) {
                problems.add(where + "index " + commit.get().metadata().indexId() + ", not " + published.indexId());
            }
            for (IndexMetadata.CommittedPartition partition : commit.get().metadata().partitions()) {
                for (FileEntry file : partition.files()) {
                    LuceneFiles.checkFooter(root, partition.key(file), file, "the metadata").ifPresent(problem -> problems.add(where + problem));
                }
            }
        }
        return problems;
    }
}
