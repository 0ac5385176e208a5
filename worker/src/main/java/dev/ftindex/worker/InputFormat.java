package dev.ftindex.worker;

import com.github.luben.zstd.ZstdInputStream;
import dev.ftindex.format.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

/**
 * What an input file holds, recognised by its first bytes, not by its name: a gzip file called
 * {@code docs.jsonl} is read as gzip, and an xz file is refused with its format named instead
 * of failing as "invalid JSON" on its first line.
 */
enum InputFormat {
    JSON_LINES("JSON Lines", null),
    GZIP("gzip-compressed JSON Lines", new byte[] {0x1f, (byte) 0x8b}),
    ZSTD("zstd-compressed JSON Lines", new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd}),
    XZ("xz-compressed data", new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0}),
    BZIP2("bzip2-compressed data", new byte[] {'B', 'Z', 'h'}),
    ZIP("a zip archive", new byte[] {'P', 'K', 3, 4}),
    LZ4("lz4-compressed data", new byte[] {0x04, 0x22, 0x4d, 0x18}),
    SEVEN_ZIP("a 7z archive", new byte[] {'7', 'z', (byte) 0xbc, (byte) 0xaf, 0x27, 0x1c}),
    PARQUET("a Parquet file", new byte[] {'P', 'A', 'R', '1'});

    /** Bytes needed to tell every format apart. */
    static final int MAGIC_LENGTH = 6;

    private final String description;
    private final byte[] magic;

    InputFormat(String description, byte[] magic) {
        this.description = description;
        this.magic = magic;
    }

    /** The format whose magic number {@code head} (the file's first bytes, maybe fewer) starts with. */
    static InputFormat of(byte[] head, int length) {
        for (InputFormat format : values()) {
            if (format.magic != null && startsWith(head, length, format.magic)) {
                return format;
            }
        }
        return JSON_LINES;
    }

    /** The compression's name in messages: "gzip", "zstd"; "text" for plain files. */
    String codec() {
        return switch (this) {
            case JSON_LINES -> "text";
            case GZIP -> "gzip";
            case ZSTD -> "zstd";
            default -> name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Whether ftindex reads this format. */
    boolean readable() {
        return this == JSON_LINES || this == GZIP || this == ZSTD || this == PARQUET;
    }

    /** Whether the file can be cut into byte ranges: plain text (by lines) and Parquet (by row groups) can. */
    boolean splittable() {
        return this == JSON_LINES || this == PARQUET;
    }

    /**
     * The JSON Lines text of a file in this format, read from its first byte.
     *
     * @throws BadInputException naming the file and its format when ftindex cannot read it
     */
    InputStream decode(InputStream raw, String file, byte[] head, int length) throws IOException {
        return switch (this) {
            case JSON_LINES -> raw;
            case GZIP -> new GZIPInputStream(raw, 1 << 16);
            case ZSTD -> new ZstdInputStream(raw).setContinuous(false);
            default -> throw unsupported(file, head, length);
        };
    }

    BadInputException unsupported(String file, byte[] head, int length) {
        String advice = switch (this) {
            case ZIP, SEVEN_ZIP -> "unpack the archive and give its JSON Lines files";
            default -> "decompress it, or recompress it with gzip or zstd, which ftindex reads";
        };
        return new BadInputException(file + ": this is " + description + " (it starts with "
                + HexFormat.ofDelimiter(" ").formatHex(head, 0, Math.min(length, magic == null ? length : magic.length))
                + "), which ftindex does not read as input: " + advice);
    }

    private static boolean startsWith(byte[] head, int length, byte[] magic) {
        if (length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
