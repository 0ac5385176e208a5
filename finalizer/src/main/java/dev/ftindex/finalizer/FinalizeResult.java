package dev.ftindex.finalizer;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.ftindex.format.CountSource;
import dev.ftindex.format.IndexMetadata;
import dev.ftindex.format.WireEnum;
import dev.ftindex.format.progress.RunStats;
import java.util.List;

/**
 * The outcome of a finalizer run, printed as the command's JSON result (the groups are flattened
 * into it: {@code indexId}, {@code partitions}, ... at the top level).
 *
 * @param index what the committed index holds
 * @param planning where the partition count came from, and what was staged too late
 * @param copies what this run copied server-side
 * @param cleanup what the best-effort removal of {@code staging/} did
 * @param run wall time, stages and requests
 * @param idCheck what checking the ids across partitions read, when this run checked them
 * @param update what an update (upserts, deletes) deleted of its base, when this run planned one
 */
public record FinalizeResult(
        Status status,
        @JsonUnwrapped Contents index,
        @JsonUnwrapped Planning planning,
        @JsonUnwrapped Copies copies,
        Cleanup cleanup,
        @JsonUnwrapped RunStats run,
        List<String> notes,
        @JsonInclude(JsonInclude.Include.NON_NULL) IdCheck idCheck,
        @JsonInclude(JsonInclude.Include.NON_NULL) Update update) {

    public FinalizeResult {
        requireNonNull(status, "status is null");
        requireNonNull(index, "index is null");
        requireNonNull(planning, "planning is null");
        requireNonNull(copies, "copies is null");
        requireNonNull(cleanup, "cleanup is null");
        requireNonNull(run, "run is null");
        notes = List.copyOf(notes);
    }

    /** How the run ended; both mean the index is committed. */
    public enum Status implements WireEnum {
        /** This run wrote {@code metadata.lance}. */
        COMMITTED,
        /** It existed, or a concurrent finalizer wrote it with this plan. */
        ALREADY_COMMITTED;
    }

    /**
     * What the check that ids are unique across partitions cost ({@code finalizer.IdCheck}).
     *
     * @param lists id lists merged (one a partition, the base's included)
     * @param ids ids in them, each list's own count
     * @param duplicates distinct ids found in more than one partition
     * @param requests ranged reads of the lists
     * @param bytes bytes read
     * @param seconds the check's wall time
     */
    public record IdCheck(int lists, long ids, long duplicates, long requests, long bytes, double seconds) {}

    /**
     * What an update deleted of its base.
     *
     * @param replaced ids of the base that documents of the new input replace ({@code --upsert})
     * @param deletedIds ids of the delete list that the base holds
     * @param deletedDocs documents of the base deleted in all (an id held twice deletes two)
     * @param partitions base partitions that have a new commit with the deletions
     * @param unknownDeletes ids of the delete list the base does not hold
     * @param unknownExamples the first of them
     */
    public record Update(long replaced, long deletedIds, long deletedDocs, int partitions, long unknownDeletes,
                         List<String> unknownExamples) {
        public Update {
            unknownExamples = List.copyOf(unknownExamples);
        }
    }

    /**
     * @param basePartitions for an append, how many partitions were copied from the base
     *     ({@code base}), absent for a whole index
     * @param crossDuplicateIds with {@code --allow-duplicate-ids}, how many ids of the new
     *     partitions another partition (or the base) holds too (every record of them is indexed)
     * @param duplicateIdsWithinPartitions with {@code --allow-duplicate-ids}, ids that occur more
     *     than once inside a partition, summed over the partitions; absent when none
     * @param deletedDocs documents deleted by updates and not yet compacted away ({@code docs}
     *     counts them, as Lucene's statistics do); absent when none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Contents(String indexId, int partitions, long docs, int files, long bytes, String base, Integer basePartitions,
                           Long crossDuplicateIds, Long duplicateIdsWithinPartitions, Long deletedDocs) {
        public static Contents of(IndexMetadata metadata) {
            IndexMetadata.Totals totals = metadata.totals();
            long within = metadata.duplicateIdsWithinPartitions();
            return new Contents(metadata.indexId(), totals.partitions(), totals.docs(), totals.files(), totals.bytes(),
                    metadata.base() == null ? null : metadata.base().describe(),
                    metadata.base() == null ? null : metadata.base().partitions(), metadata.crossDuplicateIds(), within == 0 ? null : within,
                    metadata.deletedDocs() == 0 ? null : metadata.deletedDocs());
        }
    }

    /**
     * @param partitionCount where the count came from (absent when the run found the root committed)
     * @param unplannedPartitions partitions staged after the plan was frozen: not committed
     */
    public record Planning(CountSource partitionCount, List<Long> unplannedPartitions) {
        public static final Planning NONE = new Planning(null, List.of());

        public Planning {
            unplannedPartitions = List.copyOf(unplannedPartitions);
        }
    }

    /**
     * @param filesCopied files copied server-side by this run
     * @param filesSkipped final files already in place with the planned size and checksum
     * @param bytesCopied bytes of the files this run copied (server-side)
     */
    public record Copies(int filesCopied, int filesSkipped, long bytesCopied) {
        public static final Copies NONE = new Copies(0, 0, 0);
    }

    /** Objects removed from {@code staging/}, and what could not be removed (never fatal). */
    public record Cleanup(int deleted, List<String> failures) {
        public Cleanup {
            failures = List.copyOf(failures);
        }
    }

    public String indexId() {
        return index.indexId();
    }

    public long docs() {
        return index.docs();
    }
}
