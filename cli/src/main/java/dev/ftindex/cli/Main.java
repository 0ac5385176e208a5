package dev.ftindex.cli;

/** Entry point of the runnable jar; see {@link Cli}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        // The process is ftindex's: its console is the only place logs go (Console.routeLogging).
        java.util.logging.LogManager.getLogManager().reset();
        int code = new Cli(System.out, System.err, System.getenv(), Boolean.getBoolean("ftindex.tty")).run(args);
        System.exit(code);
    }
}
