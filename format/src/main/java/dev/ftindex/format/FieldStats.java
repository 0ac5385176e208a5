package dev.ftindex.format;

/**
 * Term statistics of one field, as BM25 uses them; they add up across partitions, so the sums
 * over the committed index equal those of one index built from the same documents.
 *
 * @param docCount documents with at least one term in the field
 * @param sumDocFreq sum over terms of the documents containing them
 * @param sumTotalTermFreq number of tokens indexed in the field
 */
public record FieldStats(long docCount, long sumDocFreq, long sumTotalTermFreq) {
    public static final FieldStats ZERO = new FieldStats(0, 0, 0);

    public FieldStats plus(FieldStats other) {
        return new FieldStats(docCount + other.docCount, sumDocFreq + other.sumDocFreq, sumTotalTermFreq + other.sumTotalTermFreq);
    }
}
