package io.statehouse.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The load generator's client: one keep-alive HTTP/1.1 connection, owned by one thread, that writes
 * a request and blocks reading its answer on that same thread. The JDK's {@code HttpClient} hands
 * every exchange between its caller, its selector thread and its executor; on this 2-core machine
 * those hand-offs cost the load generator about 1 ms of CPU per turn at one session and show in the
 * latency the harness reports as the runtime's. Requests are never retried: a connection that fails
 * is closed, the turn counts as failed, and the next request opens a new one.
 */
final class KeepAliveConnection implements AutoCloseable {
  private static final int MAX_HEAD_BYTES = 16 * 1024;
  private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;

  private final String host;
  private final int port;
  private final int readTimeoutMs;
  private Socket socket;
  private InputStream in;
  private OutputStream out;

  /** A status and the body's bytes. */
  record Reply(int status, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  KeepAliveConnection(String host, int port, int readTimeoutMs) {
    this.host = host;
    this.port = port;
    this.readTimeoutMs = readTimeoutMs;
  }

  /** POSTs {@code json} to {@code path} with the bearer {@code key}; waits for the answer. */
  Reply post(String path, String key, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\nHost: "
            + host
            + ":"
            + port
            + "\r\nAuthorization: Bearer "
            + key
            + "\r\nContent-Type: application/json\r\nContent-Length: "
            + body.length
            + "\r\n\r\n";
    try {
      open();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      return read();
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private void open() throws IOException {
    if (socket != null) {
      return;
    }
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress(host, port), 5_000);
    s.setSoTimeout(readTimeoutMs);
    socket = s;
    in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
    out = new BufferedOutputStream(s.getOutputStream(), 4 * 1024);
  }

  private Reply read() throws IOException {
    String status = line();
    String[] parts = status.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.x status line: " + status);
    }
    int code = Integer.parseInt(parts[1]);
    long length = -1;
    boolean chunked = false;
    boolean closeAfter = parts[0].equals("HTTP/1.0");
    for (String h = line(); !h.isEmpty(); h = line()) {
      int colon = h.indexOf(':');
      if (colon <= 0) {
        throw new IOException("malformed header: " + h);
      }
      String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = h.substring(colon + 1).trim();
      switch (name) {
        case "content-length" -> length = Long.parseLong(value);
        case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
        case "connection" -> closeAfter = value.equalsIgnoreCase("close");
        default -> {}
      }
    }
    byte[] body;
    if (chunked) {
      body = chunkedBody();
    } else if (length >= 0) {
      if (length > MAX_BODY_BYTES) {
        throw new IOException("body of " + length + " bytes");
      }
      body = in.readNBytes((int) length);
      if (body.length != length) {
        throw new EOFException("body cut off after " + body.length + " of " + length + " bytes");
      }
    } else {
      throw new IOException("an answer with neither Content-Length nor chunked encoding");
    }
    if (closeAfter) {
      close();
    }
    return new Reply(code, body);
  }

  private byte[] chunkedBody() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String sizeLine = line();
      int semicolon = sizeLine.indexOf(';');
      int size =
          Integer.parseInt(
              (semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
      if (size == 0) {
        while (!line().isEmpty()) {
          // trailers: ignored
        }
        return body.toByteArray();
      }
      if (body.size() + size > MAX_BODY_BYTES) {
        throw new IOException("chunked body over " + MAX_BODY_BYTES + " bytes");
      }
      byte[] chunk = in.readNBytes(size);
      if (chunk.length != size) {
        throw new EOFException("chunk cut off");
      }
      body.write(chunk);
      if (!line().isEmpty()) {
        throw new IOException("no CRLF after a chunk");
      }
    }
  }

  /** One header line, without its CRLF. */
  private String line() throws IOException {
    StringBuilder b = new StringBuilder(64);
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("connection closed by the server");
      }
      if (c == '\n') {
        int end = b.length();
        if (end > 0 && b.charAt(end - 1) == '\r') {
          b.setLength(end - 1);
        }
        return b.toString();
      }
      if (b.length() >= MAX_HEAD_BYTES) {
        throw new IOException("header line over " + MAX_HEAD_BYTES + " bytes");
      }
      b.append((char) c);
    }
  }

  @Override
  public void close() {
    if (socket != null) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing a broken connection
      }
      socket = null;
      in = null;
      out = null;
    }
  }
}
