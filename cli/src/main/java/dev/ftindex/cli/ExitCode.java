package dev.ftindex.cli;

import dev.ftindex.format.ErrorKind;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * The exit codes of every verb, what they mean and what an orchestrator should do with each
 * (docs/PROTOCOL.md): retry 75 and 1, wait and retry 4, fail fast on 2, 3, 5 and 6. Written
 * once: the help of every verb lists them from here, and {@link #classify} maps every failure
 * to one.
 */
enum ExitCode {
    OK(0, "success"),
    USAGE(2, "usage or configuration"),
    BAD_INPUT(3, "bad input data"),
    PARTITIONS_MISSING(4, "partitions missing or not committed yet"),
    CONFLICT(5, "conflict"),
    CORRUPT(6, "corrupt data"),
    TRANSIENT(75, "transient storage failure (retry)"),
    BUG(1, "bug");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    int code() {
        return code;
    }

    /** The exit code of a failure, and its kind (named in the JSON result). */
    record Classified(ExitCode exit, ErrorKind kind) {
        static Classified of(ErrorKind kind) {
            for (ExitCode exit : values()) {
                if (exit.code == kind.exitCode()) {
                    return new Classified(exit, kind);
                }
            }
            throw new IllegalStateException("error kind " + kind + " has exit code " + kind.exitCode() + ", which ExitCode does not list");
        }
    }

    /** Every failure's exit code: its {@link ErrorKind} (a command-line error is a usage error). */
    static Classified classify(Throwable e) {
        return Classified.of(e instanceof CommandLine.ParameterException ? ErrorKind.USAGE : ErrorKind.of(e));
    }

    /** The help's list: "0   success" per code, in the documented order. */
    static Map<String, String> helpList() {
        Map<String, String> list = new LinkedHashMap<>();
        for (ExitCode exit : values()) {
            list.put(String.valueOf(exit.code), exit.meaning);
        }
        return list;
    }

    /** One line: "0 success, 2 usage or configuration, ...". */
    static String summary() {
        StringBuilder text = new StringBuilder();
        for (ExitCode exit : values()) {
            if (!text.isEmpty()) {
                text.append(", ");
            }
            text.append(exit.code).append(' ').append(exit.meaning);
        }
        return text.toString();
    }
}
