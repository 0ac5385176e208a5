package dev.ftindex.objectstore.testing;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.util.Objects.requireNonNull;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 proxy of the tests' own between an S3 client and a real S3 server, on 127.0.0.1.
 * It forwards requests byte for byte (so SigV4 signatures stay valid) and, as a {@link Rule}
 * decides per request, instead answers 503 SlowDown, resets the connection before forwarding,
 * forwards and then resets the connection before the client sees the answer (an ambiguous
 * outcome), or adds latency. It can also drop named request headers (for servers without
 * authentication), and records every request's head for assertions.
 */
public final class FaultyHttpProxy implements AutoCloseable {

    public enum Fault {
        /** Forward normally. */
        NONE,
        /** Answer 503 SlowDown without forwarding. */
        SLOW_DOWN,
        /** Reset the client connection without forwarding. */
        RESET,
        /** Forward, wait for the server's answer, then reset the client connection. */
        RESET_AFTER_FORWARD,
        /** Never answer: hold the connection open, unanswered, until the client gives up or the proxy closes. */
        HANG
    }

    /** A request head as the proxy saw it. */
    public record Request(long number, String method, String target, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Chooses the fault for each request. */
    @FunctionalInterface
    public interface Rule {
        Fault decide(Request request);
    }

    private final URI upstream;
    private final Rule rule;
    private final Set<String> droppedHeaders;
    private final Duration maxLatency;
    private final Random random;
    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final Map<Fault, AtomicLong> faults = new EnumMap<>(Fault.class);
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong numbers = new AtomicLong();
    private volatile boolean closed;

    private FaultyHttpProxy(URI upstream, Rule rule, Set<String> droppedHeaders, Duration maxLatency, long seed) throws IOException {
        this.upstream = requireNonNull(upstream, "upstream is null");
        this.rule = requireNonNull(rule, "rule is null");
        this.droppedHeaders = droppedHeaders.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(java.util.stream.Collectors.toSet());
        this.maxLatency = maxLatency;
        this.random = new Random(seed);
        for (Fault fault : Fault.values()) {
            faults.put(fault, new AtomicLong());
        }
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.acceptor = new Thread(this::acceptLoop, "faulty-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Forwards everything to {@code upstream}, faulting as {@code rule} says. */
    public static FaultyHttpProxy start(URI upstream, Rule rule) throws IOException {
        return new FaultyHttpProxy(upstream, rule, Set.of(), Duration.ZERO, 1);
    }

    /** Full control: dropped request headers, random latency up to {@code maxLatency}, a seed. */
    public static FaultyHttpProxy start(URI upstream, Rule rule, Set<String> droppedHeaders, Duration maxLatency, long seed)
            throws IOException {
        return new FaultyHttpProxy(upstream, rule, droppedHeaders, maxLatency, seed);
    }

    /** A rule that answers SlowDown and resets connections each on a seeded random fraction of requests. */
    public static Rule randomFaults(double slowDownRate, double resetRate, long seed) {
        Random random = new Random(seed);
        return request -> {
            double draw;
            synchronized (random) {
                draw = random.nextDouble();
            }
            if (draw < slowDownRate) {
                return Fault.SLOW_DOWN;
            }
            if (draw < slowDownRate + resetRate) {
                return Fault.RESET;
            }
            return Fault.NONE;
        };
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Every request head seen so far. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** How many times each fault was injected. */
    public long injected(Fault fault) {
        return faults.get(fault).get();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        open.forEach(FaultyHttpProxy::closeQuietly);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                open.add(client);
                Thread worker = new Thread(() -> serve(client), "faulty-proxy-conn");
                worker.setDaemon(true);
                worker.start();
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("faulty proxy: accept failed: " + e);
                }
                return;
            }
        }
    }

    private void serve(Socket client) {
        Socket server = null;
        try {
            InputStream clientIn = new BufferedInputStream(client.getInputStream());
            OutputStream clientOut = new BufferedOutputStream(client.getOutputStream());
            InputStream serverIn = null;
            OutputStream serverOut = null;
            while (true) {
                List<String> head = readHead(clientIn);
                if (head == null) {
                    return;
                }
                Request request = request(head);
                requests.add(request);
                sleepRandom();
                Fault fault = rule.decide(request);
                faults.get(fault).incrementAndGet();
                boolean expectContinue = "100-continue".equalsIgnoreCase(request.header("expect"));
                if (fault == Fault.RESET) {
                    reset(client);
                    return;
                }
                if (fault == Fault.HANG) {
                    // Reads until the client closes the connection (its timeout) or the proxy is closed.
                    while (clientIn.read() >= 0) {
                        // Discard.
                    }
                    return;
                }
                if (expectContinue) {
                    clientOut.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(ISO_8859_1));
                    clientOut.flush();
                }
                if (fault == Fault.SLOW_DOWN) {
                    copyBody(request, clientIn, OutputStream.nullOutputStream());
                    byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
                            + "<Message>Please reduce your request rate.</Message></Error>").getBytes(ISO_8859_1);
                    clientOut.write(("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: "
                            + body.length + "\r\nConnection: close\r\n\r\n").getBytes(ISO_8859_1));
                    clientOut.write(body);
                    clientOut.flush();
                    client.close();
                    return;
                }
                if (server == null) {
                    server = new Socket(upstream.getHost(), upstream.getPort());
                    open.add(server);
                    serverIn = new BufferedInputStream(server.getInputStream());
                    serverOut = new BufferedOutputStream(server.getOutputStream());
                }
                for (String line : head) {
                    int colon = line.indexOf(':');
                    if (colon > 0 && droppedHeaders.contains(line.substring(0, colon).trim().toLowerCase(Locale.ROOT))) {
                        continue;
                    }
                    serverOut.write((line + "\r\n").getBytes(ISO_8859_1));
                }
                serverOut.write("\r\n".getBytes(ISO_8859_1));
                copyBody(request, clientIn, serverOut);
                serverOut.flush();
                List<String> responseHead;
                do {
                    responseHead = readHead(serverIn);
                    if (responseHead == null) {
                        reset(client);
                        return;
                    }
                } while (status(responseHead) / 100 == 1);
                if (fault == Fault.RESET_AFTER_FORWARD) {
                    reset(client);
                    return;
                }
                for (String line : responseHead) {
                    clientOut.write((line + "\r\n").getBytes(ISO_8859_1));
                }
                clientOut.write("\r\n".getBytes(ISO_8859_1));
                boolean untilClose = copyResponseBody(request.method(), responseHead, serverIn, clientOut);
                clientOut.flush();
                if (untilClose || "close".equalsIgnoreCase(header(responseHead, "connection"))) {
                    client.close();
                    return;
                }
            }
        } catch (IOException e) {
            // A client or server hung up: this connection is over.
        } finally {
            closeQuietly(client);
            if (server != null) {
                closeQuietly(server);
            }
        }
    }

    private Request request(List<String> head) {
        String[] requestLine = head.get(0).split(" ", 3);
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (String line : head.subList(1, head.size())) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        return new Request(numbers.incrementAndGet(), requestLine[0], requestLine.length > 1 ? requestLine[1] : "", Map.copyOf(headers));
    }

    private static void copyBody(Request request, InputStream in, OutputStream out) throws IOException {
        String length = request.header("content-length");
        if (length != null) {
            copyExactly(in, out, Long.parseLong(length));
        } else if ("chunked".equalsIgnoreCase(request.header("transfer-encoding"))) {
            copyChunked(in, out);
        }
    }

    /** Copies a response body; returns true when it is delimited by the connection closing. */
    private static boolean copyResponseBody(String method, List<String> head, InputStream in, OutputStream out) throws IOException {
        int status = status(head);
        if (method.equals("HEAD") || status == 204 || status == 304) {
            return false;
        }
        String length = header(head, "content-length");
        if (length != null) {
            copyExactly(in, out, Long.parseLong(length));
            return false;
        }
        if ("chunked".equalsIgnoreCase(header(head, "transfer-encoding"))) {
            copyChunked(in, out);
            return false;
        }
        in.transferTo(out);
        return true;
    }

    private static void copyExactly(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long remaining = length;
        while (remaining > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new IOException("body ended early");
            }
            out.write(buffer, 0, n);
            remaining -= n;
        }
    }

    private static void copyChunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            if (sizeLine == null) {
                throw new IOException("chunked body ended early");
            }
            out.write((sizeLine + "\r\n").getBytes(ISO_8859_1));
            int semicolon = sizeLine.indexOf(';');
            long size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            if (size == 0) {
                String trailer;
                while ((trailer = readLine(in)) != null && !trailer.isEmpty()) {
                    out.write((trailer + "\r\n").getBytes(ISO_8859_1));
                }
                out.write("\r\n".getBytes(ISO_8859_1));
                return;
            }
            copyExactly(in, out, size);
            String end = readLine(in);
            out.write(((end == null ? "" : end) + "\r\n").getBytes(ISO_8859_1));
        }
    }

    private static List<String> readHead(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        while (true) {
            String line = readLine(in);
            if (line == null) {
                return null;
            }
            if (line.isEmpty()) {
                if (lines.isEmpty()) {
                    continue;
                }
                return lines;
            }
            lines.add(line);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, length, ISO_8859_1);
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(ISO_8859_1);
    }

    private static int status(List<String> head) {
        String[] parts = head.get(0).split(" ", 3);
        return Integer.parseInt(parts[1]);
    }

    private static String header(List<String> head, String name) {
        for (String line : head.subList(1, head.size())) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private void sleepRandom() {
        if (maxLatency.isZero()) {
            return;
        }
        long millis;
        synchronized (random) {
            millis = (long) (random.nextDouble() * maxLatency.toMillis());
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // Closing below still ends the connection.
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException ignored) {
            // Already broken; nothing more to do.
        }
    }
}
