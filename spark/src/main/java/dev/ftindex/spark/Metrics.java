package dev.ftindex.spark;

import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.metric.CustomSumMetric;
import org.apache.spark.sql.connector.metric.CustomTaskMetric;

/** What each task reports to Spark's UI while it runs: documents indexed, and bytes of field values read from the rows. */
final class Metrics {
    static final String DOCUMENTS = "ftindexDocuments";
    static final String BYTES = "ftindexBytes";

    private Metrics() {}

    static CustomMetric[] supported() {
        return new CustomMetric[] {new Documents(), new Bytes()};
    }

    static CustomTaskMetric[] values(long documents, long bytes) {
        return new CustomTaskMetric[] {task(DOCUMENTS, documents), task(BYTES, bytes)};
    }

    private static CustomTaskMetric task(String name, long value) {
        return new CustomTaskMetric() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long value() {
                return value;
            }
        };
    }

    /** Spark instantiates metrics by class name: public, with a public no-argument constructor. */
    public static final class Documents extends CustomSumMetric {
        @Override
        public String name() {
            return DOCUMENTS;
        }

        @Override
        public String description() {
            return "documents indexed";
        }
    }

    public static final class Bytes extends CustomSumMetric {
        @Override
        public String name() {
            return BYTES;
        }

        @Override
        public String description() {
            return "bytes of field values indexed";
        }
    }
}
