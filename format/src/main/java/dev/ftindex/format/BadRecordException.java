package dev.ftindex.format;

/**
 * One input record that cannot be mapped to a document: the message names the field and the
 * problem; the caller adds the input name and line. Carries no stack trace, because with
 * {@code --skip-bad-records} millions of them may be thrown on purpose.
 */
public final class BadRecordException extends Exception {
    public BadRecordException(String message) {
        super(message, null, false, false);
    }
}
