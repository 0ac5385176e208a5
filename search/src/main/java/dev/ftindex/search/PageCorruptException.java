package dev.ftindex.search;

import java.io.IOException;

/**
 * A page of a committed file that failed its block checksum when fetched and again when fetched a
 * second time: the bytes in the store are not what the worker wrote. Thrown inside Lucene's reads
 * (hence an {@link IOException}); a search turns it into a {@link dev.ftindex.format.CorruptIndexException}
 * naming the generation, file and page. Queries that do not read the page are unaffected.
 */
public final class PageCorruptException extends IOException {
    public PageCorruptException(String message) {
        super(message);
    }
}
