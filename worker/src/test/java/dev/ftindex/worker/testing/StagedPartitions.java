package dev.ftindex.worker.testing;

import dev.ftindex.format.FileEntry;
import dev.ftindex.format.IndexLayout;
import dev.ftindex.format.PartitionManifest;
import dev.ftindex.format.StoredJson;
import dev.ftindex.objectstore.ObjectStore;
import dev.ftindex.objectstore.ObjectStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.store.FSDirectory;

/** Reads staged partitions back from a store, for assertions. */
public final class StagedPartitions {
    private StagedPartitions() {}

    /** Downloads the files a manifest lists into {@code directory}. */
    public static Path download(ObjectStore store, PartitionManifest manifest, Path directory) throws IOException {
        Files.createDirectories(directory);
        for (FileEntry file : manifest.files()) {
            try (ObjectStream stream = store.get(IndexLayout.stagedFileKey(manifest.partition(), manifest.attempt(), file.name()));
                 InputStream in = stream) {
                Files.copy(in, directory.resolve(file.name()));
            }
        }
        return directory;
    }

    /** Every document id of a staged partition, in index order. */
    public static List<String> ids(ObjectStore store, long partition, Path scratch) throws IOException {
        PartitionManifest manifest = StoredJson.read(store, IndexLayout.manifestKey(partition), PartitionManifest.class);
        Path directory = download(store, manifest, scratch.resolve("p" + partition + "-" + manifest.attempt()));
        return ids(directory, manifest.spec().idField());
    }

    /** Every stored field of every document of a staged partition, by id; several values become a list. */
    public static java.util.Map<String, java.util.Map<String, List<Object>>> documents(ObjectStore store, long partition, Path scratch)
            throws IOException {
        PartitionManifest manifest = StoredJson.read(store, IndexLayout.manifestKey(partition), PartitionManifest.class);
        Path directory = download(store, manifest, scratch.resolve("d" + partition + "-" + manifest.attempt()));
        java.util.Map<String, java.util.Map<String, List<Object>>> documents = new java.util.TreeMap<>();
        try (FSDirectory lucene = FSDirectory.open(directory); DirectoryReader reader = DirectoryReader.open(lucene)) {
            StoredFields stored = reader.storedFields();
            for (int doc = 0; doc < reader.maxDoc(); doc++) {
                java.util.Map<String, List<Object>> fields = new java.util.TreeMap<>();
                for (var field : stored.document(doc).getFields()) {
                    Object value = field.numericValue() != null ? field.numericValue() : field.stringValue();
                    fields.computeIfAbsent(field.name(), name -> new ArrayList<>()).add(value);
                }
                documents.put(String.valueOf(fields.get(manifest.spec().idField()).getFirst()), fields);
            }
        }
        return documents;
    }

    /** Every document id of a local Lucene index. */
    public static List<String> ids(Path directory, String idField) throws IOException {
        List<String> ids = new ArrayList<>();
        try (FSDirectory lucene = FSDirectory.open(directory); DirectoryReader reader = DirectoryReader.open(lucene)) {
            StoredFields stored = reader.storedFields();
            for (int doc = 0; doc < reader.maxDoc(); doc++) {
                ids.add(stored.document(doc).get(idField));
            }
        }
        return ids;
    }
}
