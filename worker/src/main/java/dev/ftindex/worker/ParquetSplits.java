package dev.ftindex.worker;

import dev.ftindex.format.BadInputException;
import dev.ftindex.format.IndexSpec;
import dev.ftindex.format.progress.Stage;
import dev.ftindex.objectstore.StorageException;
import dev.ftindex.worker.Assignment.Split;
import dev.hardwood.HardwoodContext;
import dev.hardwood.metadata.ColumnChunk;
import dev.hardwood.metadata.RowGroup;
import dev.hardwood.reader.ParquetFileReader;
import dev.hardwood.reader.RowGroupPredicate;
import dev.hardwood.reader.RowReader;
import dev.hardwood.row.StructAccessor;
import dev.hardwood.schema.ColumnProjection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the rows of one split of a Parquet file through hardwood, with ranged reads through the
 * project's own {@link InputFile}: the footer first, then only the column chunks of the columns
 * the spec maps. A split is a byte range; it holds the row groups whose middle lies in it (the
 * Hadoop convention, and hardwood's {@link RowGroupPredicate#byteRange}), so every row group of
 * a file lands in exactly one split.
 */
final class ParquetSplits {
    /**
     * Decoding threads of one open file (hardwood decodes pages ahead of the rows asked for). The
     * worker reads row groups on each of its indexing threads, so one each is enough.
     */
    private static final int DECODERS = 1;

    private ParquetSplits() {}

    /** Receives the rows of a split; returns false to stop. */
    interface RowSink {
        boolean row(ParquetMapping mapping, StructAccessor row, String location) throws IOException;
    }

    /**
     * One row group of a split: the unit that workers' indexing threads read in parallel.
     *
     * @param index the row group's number in the file, from 0
     * @param midpoint the byte that selects it (its middle), so a reader can ask for it alone
     */
    record RowGroupSlice(InputFile file, int index, long midpoint, long rows) {}

    /**
     * The row groups of {@code split}, by the rule hardwood applies: a row group belongs to the
     * split that holds its first column chunk's start plus half its compressed size. Reads the
     * footer.
     */
    static List<RowGroupSlice> rowGroups(Split split, Stage stage) throws IOException {
        InputFile file = split.file();
        return opened(file, file.name(), stage, reader -> {
            List<RowGroupSlice> slices = new ArrayList<>();
            List<RowGroup> groups = reader.getFileMetaData().rowGroups();
            for (int g = 0; g < groups.size(); g++) {
                long mid = midpoint(groups.get(g));
                if (mid >= split.start() && mid < split.end()) {
                    slices.add(new RowGroupSlice(file, g, mid, groups.get(g).numRows()));
                }
            }
            return slices;
        }, () -> "");
    }

    /** Reads every row of a split, row group after row group (for callers that read one at a time). */
    static void read(Split split, IndexSpec spec, boolean idOnly, Stage stage, RowSink sink) throws IOException {
        for (RowGroupSlice slice : rowGroups(split, stage)) {
            if (!read(slice, spec, idOnly, stage, sink)) {
                return;
            }
        }
    }

    /**
     * Reads every row of one row group, counting the bytes read from storage into {@code stage}.
     *
     * @param idOnly read only the id column (to locate duplicate ids)
     * @return false if the sink stopped the reading
     * @throws BadInputException naming the file, row group and row, for a file that is damaged,
     *     uses a codec or encoding hardwood cannot read, does not fit the spec, or changed while read
     */
    static boolean read(RowGroupSlice slice, IndexSpec spec, boolean idOnly, Stage stage, RowSink sink) throws IOException {
        InputFile file = slice.file();
        long[] row = {-1};
        return opened(file, file.name() + ": row group " + slice.index(), stage, reader -> {
            ParquetMapping mapping = ParquetMapping.resolve(file.name(), reader.getFileSchema(), spec);
            String[] columns = idOnly ? new String[] {mapping.idColumn()} : mapping.projection();
            try (RowReader rows = reader.buildRowReader()
                    .projection(ColumnProjection.columns(columns))
                    .filter(RowGroupPredicate.byteRange(slice.midpoint(), slice.midpoint() + 1))
                    .build()) {
                while (rows.hasNext()) {
                    rows.next();
                    row[0]++;
                    if (!sink.row(mapping, rows, file.name() + ": row group " + slice.index() + ", row " + row[0])) {
                        return false;
                    }
                }
            }
            return true;
        }, () -> row[0] < 0 ? "" : ", row " + row[0]);
    }

    /** What is done with an open file. */
    interface Reading<T> {
        T read(ParquetFileReader reader) throws IOException;
    }

    /**
     * Opens {@code file}, reads it, and decides what a failure means: the one translation of
     * Parquet reading errors, for building and for {@code inspect} alike. Our own storage failure,
     * wherever hardwood wrapped it, is rethrown as it is (transient: exit 75; configuration:
     * exit 2); anything else is bad input naming {@code where} (exit 3).
     */
    static <T> T opened(InputFile file, String where, Stage stage, Reading<T> reading, java.util.function.Supplier<String> row)
            throws IOException {
        try (HardwoodContext context = HardwoodContext.create(DECODERS);
             ParquetFileReader reader = ParquetFileReader.open(input(file, stage), context)) {
            return reading.read(reader);
        } catch (BadInputException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            StorageException storage = storage(e);
            if (storage != null) {
                throw storage;
            }
            throw new BadInputException(where + row.get() + ": cannot read the Parquet file: " + describe(e), e);
        }
    }

    static long midpoint(RowGroup group) {
        List<ColumnChunk> columns = group.columns();
        long compressed = 0;
        for (ColumnChunk chunk : columns) {
            compressed += chunk.metaData().totalCompressedSize();
        }
        return columns.getFirst().chunkStartOffset() + compressed / 2;
    }

    /** Our own storage failure, wherever hardwood wrapped it: it is retryable, not bad input. */
    private static StorageException storage(Throwable e) {
        Set<Throwable> seen = new HashSet<>();
        for (Throwable cause = e; cause != null && seen.add(cause); cause = cause.getCause()) {
            if (cause instanceof StorageException storage) {
                return storage;
            }
            if (cause instanceof BadInputException) {
                return null;
            }
        }
        return null;
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        Set<Throwable> seen = new HashSet<>();
        for (Throwable cause = e.getCause(); cause != null && seen.add(cause) && text.length() < 400; cause = cause.getCause()) {
            if (cause.getMessage() != null && !text.toString().contains(cause.getMessage())) {
                text.append(": ").append(cause.getMessage());
            }
        }
        return text.toString();
    }

    /** {@code file} as hardwood reads it: ranged reads through {@link InputFile}, counted into {@code stage} (if any). */
    static dev.hardwood.InputFile input(InputFile file, Stage stage) {
        return new Input(file, stage);
    }

    private static final class Input implements dev.hardwood.InputFile {
        private final InputFile file;
        private final Stage stage;

        Input(InputFile file, Stage stage) {
            this.file = file;
            this.stage = stage;
        }

        @Override
        public void open() {}

        @Override
        public ByteBuffer readRange(long offset, int length) throws IOException {
            if (offset < 0 || length < 0 || offset + length > file.size()) {
                throw new IOException("a read of " + length + " bytes at " + offset + " is outside the file's " + file.size()
                        + " bytes (truncated, or a damaged footer)");
            }
            try {
                ByteBuffer range = file.readRange(offset, length);
                if (stage != null) {
                    stage.add(0, length);
                }
                return range;
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        @Override
        public long length() {
            return file.size();
        }

        @Override
        public String name() {
            return file.name();
        }

        @Override
        public void close() {}
    }
}
