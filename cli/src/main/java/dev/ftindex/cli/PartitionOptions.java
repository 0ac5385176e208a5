package dev.ftindex.cli;

import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** Where a partition is made and how it is staged: a mixin of every verb whose workers stage partitions (build-partition, build, compact). */
final class PartitionOptions {
    @ArgGroup(validate = false, heading = "%nPartition:%n", order = 60)
    Group group = new Group();

    static final class Group {
        @Option(names = "--segments", paramLabel = "N", description = "segments per partition after the force-merge (default 1)")
        int segments = 1;

        @Option(names = "--work-dir", paramLabel = "DIR", description = "where partitions are made locally (default: the system temp"
                + " directory)")
        @Env("FTINDEX_WORK_DIR")
        Path workDir;

        @Option(names = "--upload-concurrency", paramLabel = "N", description = "files uploaded (and a compaction's downloaded) at once"
                + " (default 4)")
        int uploadConcurrency = 4;
    }

    int segments() {
        return group.segments;
    }

    Optional<Path> workDirectory() {
        return Optional.ofNullable(group.workDir);
    }

    int uploadConcurrency() {
        return group.uploadConcurrency;
    }
}
