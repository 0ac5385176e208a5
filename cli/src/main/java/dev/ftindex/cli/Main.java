package dev.ftindex.cli;

/** Entry point of the runnable jar; see {@link Cli}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        int code = new Cli(System.out, System.err, System.getenv(), Boolean.getBoolean("ftindex.tty")).run(args);
        System.exit(code);
    }
}
