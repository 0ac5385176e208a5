package dev.ftindex.format.progress;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** A stream that writes what is read through it to {@code out} and counts its bytes into a stage: a download checked as it lands. */
public final class Teeing extends FilterInputStream {
    private final OutputStream out;
    private final Stage stage;

    public Teeing(InputStream in, OutputStream out, Stage stage) {
        super(in);
        this.out = out;
        this.stage = stage;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            out.write(b);
            stage.add(0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = in.read(buffer, offset, length);
        if (n > 0) {
            out.write(buffer, offset, n);
            stage.add(0, n);
        }
        return n;
    }
}
