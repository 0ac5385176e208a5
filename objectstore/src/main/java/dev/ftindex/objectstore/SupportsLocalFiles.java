package dev.ftindex.objectstore;

import java.nio.file.Path;

/**
 * An ability of a store whose objects are files on this machine: a reader may open them where
 * they lie (memory-mapped, no copy) instead of fetching them. The file may change or vanish like
 * the object; a reader checks what it opens against the commit.
 */
public interface SupportsLocalFiles {
    /** The file that holds {@code key}, whether or not it exists. */
    Path localFile(String key);
}
