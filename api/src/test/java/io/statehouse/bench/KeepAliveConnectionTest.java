package io.statehouse.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The load generator's blocking HTTP/1.1 client against a server whose every answer is scripted.
 */
class KeepAliveConnectionTest {
  private static final String CLOSE = "<close>";

  private ServerSocket server;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket s = server.accept();
                  connections.incrementAndGet();
                  Thread t = new Thread(() -> serve(s));
                  t.setDaemon(true);
                  t.start();
                } catch (IOException closed) {
                  return;
                }
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
  }

  /** Reads each request (head and Content-Length body), then writes the next scripted answer. */
  private void serve(Socket s) {
    try (s) {
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
      OutputStream out = s.getOutputStream();
      while (true) {
        StringBuilder head = new StringBuilder();
        int length = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
          head.append(line).append('\n');
          if (line.toLowerCase().startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        if (head.length() == 0) {
          return;
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
          read += in.read(body, read, length - read);
        }
        requests.add(head + new String(body));
        String answer = answers.take();
        if (answer.equals(CLOSE)) {
          return;
        }
        out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        if (answer.contains("Connection: close")) {
          return;
        }
      }
    } catch (IOException | InterruptedException e) {
      // the test's client went away
    }
  }

  private KeepAliveConnection client() {
    return new KeepAliveConnection("127.0.0.1", server.getLocalPort(), 5_000);
  }

  @Test
  void sendsThePostAndReusesTheConnectionForFixedLengthAnswers() throws IOException {
    answers.add("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{\"a\":\"b\"}");
    answers.add("HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}");
    try (KeepAliveConnection c = client()) {
      KeepAliveConnection.Reply first = c.post("/v1/x?wait=1", "key-1", "{\"content\":\"hi\"}");
      KeepAliveConnection.Reply second = c.post("/v1/y", "key-1", "{}");

      assertEquals(200, first.status());
      assertEquals("{\"a\":\"b\"}", first.text());
      assertEquals(202, second.status());
      assertEquals("{}", second.text());
    }
    assertEquals(1, connections.get());
    String sent = requests.get(0);
    assertTrue(sent.startsWith("POST /v1/x?wait=1 HTTP/1.1\n"), sent);
    assertTrue(sent.contains("Authorization: Bearer key-1\n"), sent);
    assertTrue(sent.contains("Content-Type: application/json\n"), sent);
    assertTrue(sent.contains("Content-Length: 16\n"), sent);
    assertTrue(sent.endsWith("\n{\"content\":\"hi\"}"), sent);
  }

  @Test
  void joinsAChunkedAnswer() throws IOException {
    answers.add(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4\r\n{\"a\"\r\n5;ext=1\r\n:\"bc\"\r\n1\r\n}\r\n0\r\n\r\n");
    try (KeepAliveConnection c = client()) {
      assertEquals("{\"a\":\"bc\"}", c.post("/", "k", "{}").text());
    }
  }

  @Test
  void opensANewConnectionAfterTheServerSaidClose() throws IOException {
    answers.add("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n1");
    answers.add("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
    try (KeepAliveConnection c = client()) {
      assertEquals("1", c.post("/", "k", "{}").text());
      assertEquals("2", c.post("/", "k", "{}").text());
    }
    assertEquals(2, connections.get());
  }

  @Test
  void failsAndDoesNotResendWhenTheServerClosesWithoutAnswering() throws IOException {
    answers.add(CLOSE);
    answers.add("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    try (KeepAliveConnection c = client()) {
      assertThrows(IOException.class, () -> c.post("/", "k", "{\"n\":1}"));
      // the failed request was sent once; the next one goes on a new connection
      assertEquals(1, requests.size());
      assertEquals("ok", c.post("/", "k", "{\"n\":2}").text());
    }
    assertEquals(2, requests.size());
    assertTrue(requests.get(1).endsWith("{\"n\":2}"), requests.get(1));
    assertEquals(2, connections.get());
  }

  @Test
  void refusesAnAnswerCutOffBeforeItsLength() {
    answers.add("HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\nshort");
    try (KeepAliveConnection c = client()) {
      IOException e = assertThrows(IOException.class, () -> c.post("/", "k", "{}"));
      assertTrue(e.getMessage().contains("cut off"), e.getMessage());
    }
  }
}
