package dev.ftindex.format;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What {@code finalize} does with an index root in its current state, as {@link IndexRoot#verdict}
 * decides it. The finalizer acts on it and {@code status} shows it: one decision, two readers.
 */
public sealed interface Verdict {
    /** What an orchestrator should do about it. */
    enum Action implements WireEnum {
        /** Nothing to do: the root is committed. */
        COMMITTED,
        /** finalize commits now. */
        COMMIT,
        /** Partitions are missing: wait for the workers, then finalize (exit 4). */
        WAIT,
        /** A person must look (exit 5). */
        CONFLICT;
    }

    Action action();

    /** One line for people. */
    String message();

    /** The root is committed as {@code metadata}'s index. */
    record Committed(IndexMetadata metadata) implements Verdict {
        public Committed {
            requireNonNull(metadata, "metadata is null");
        }

        @Override
        public Action action() {
            return Action.COMMITTED;
        }

        @Override
        public String message() {
            return "committed as index " + metadata.indexId();
        }
    }

    /** A plan is frozen: finalize carries it out; {@code unplanned} partitions were staged after it and are not committed. */
    record FollowPlan(FinalizePlan plan, List<Long> unplanned) implements Verdict {
        public FollowPlan {
            requireNonNull(plan, "plan is null");
            unplanned = List.copyOf(unplanned);
        }

        @Override
        public Action action() {
            return Action.COMMIT;
        }

        @Override
        public String message() {
            return "finalize commits the frozen plan " + plan.indexId() + " (" + plan.partitions().size() + " partitions)"
                    + (unplanned.isEmpty() ? "" : "; partitions " + unplanned + " were staged after it and are not committed");
        }
    }

    /** No plan yet: finalize freezes {@code plan}, made from the staged manifests, and commits it. */
    record MakePlan(FinalizePlan plan, List<String> notes) implements Verdict {
        public MakePlan {
            requireNonNull(plan, "plan is null");
            notes = List.copyOf(notes);
        }

        @Override
        public Action action() {
            return Action.COMMIT;
        }

        @Override
        public String message() {
            return "finalize commits the " + plan.partitions().size() + " staged partitions (count from "
                    + plan.partitionCount().json() + ")";
        }
    }

    /** Fewer partitions are staged than required (or none at all): wait, then finalize. */
    record Missing(PartitionsMissingException reason) implements Verdict {
        public Missing {
            requireNonNull(reason, "reason is null");
        }

        @Override
        public Action action() {
            return Action.WAIT;
        }

        @Override
        public String message() {
            return reason.getMessage();
        }
    }

    /** The staged partitions cannot be committed together, or not as asked. */
    record Conflict(ConflictException reason) implements Verdict {
        public Conflict {
            requireNonNull(reason, "reason is null");
        }

        @Override
        public Action action() {
            return Action.CONFLICT;
        }

        @Override
        public String message() {
            return reason.getMessage();
        }
    }
}
