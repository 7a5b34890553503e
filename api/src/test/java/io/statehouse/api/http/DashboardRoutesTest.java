package io.statehouse.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.statehouse.api.it.Api;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /dashboard/} over real HTTP: the page's files with their types and strict headers, and
 * nothing else of the classpath, however the path is spelled.
 */
class DashboardRoutesTest {
  private static ActorTestKit testKit;
  private static ServerBinding binding;
  private static Api api;

  @BeforeAll
  static void start() throws Exception {
    testKit =
        ActorTestKit.create(
            "DashboardRoutesTest", ConfigFactory.parseString("pekko.actor.provider = local"));
    binding =
        Http.get(testKit.system())
            .newServerAt("127.0.0.1", 0)
            .bind(new DashboardRoutes().route())
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    api = new Api("127.0.0.1", binding.localAddress().getPort());
  }

  @AfterAll
  static void stop() {
    if (binding != null) {
      binding.unbind();
    }
    if (testKit != null) {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void servesThePageWithAStrictContentSecurityPolicy() {
    Api.Response page = api.get("/dashboard/", null);
    assertEquals(200, page.status());
    assertTrue(page.raw().contains("<title>Statehouse"), page.raw());
    assertEquals("text/html; charset=UTF-8", page.headers().firstValue("Content-Type").orElse(""));
    String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertTrue(csp.startsWith("default-src 'self'"), csp);
    assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval"), csp);
    assertTrue(csp.contains("frame-ancestors 'none'"), csp);
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertEquals("no-referrer", page.headers().firstValue("Referrer-Policy").orElse(""));
    assertEquals("DENY", page.headers().firstValue("X-Frame-Options").orElse(""));
    assertEquals("no-cache", page.headers().firstValue("Cache-Control").orElse(""));
  }

  @Test
  void redirectsTheBarePathToTheDirectorySoRelativeUrlsResolve() {
    Api.Response bare = api.get("/dashboard", null);
    assertEquals(308, bare.status());
    assertEquals("/dashboard/", bare.headers().firstValue("Location").orElse(""));
  }

  @Test
  void servesEveryFileOfThePageAndTheChartLibraryWithAJavaScriptType() {
    for (String name : DashboardRoutes.fileNames()) {
      Api.Response file = api.get("/dashboard/" + name, null);
      assertEquals(200, file.status(), name);
      assertFalse(file.raw().isEmpty(), name);
      assertEquals("nosniff", file.headers().firstValue("X-Content-Type-Options").orElse(""), name);
      String type = file.headers().firstValue("Content-Type").orElse("");
      if (name.endsWith(".js")) {
        assertEquals("application/javascript; charset=UTF-8", type, name);
      }
    }
    assertTrue(
        api.get("/dashboard/vendor/chart.umd.js", null).raw().contains("Chart.js v4.4.1"),
        "the WebJar's bundle");
  }

  @Test
  void answersAnUnchangedFileWith304ByItsEtag() {
    Api.Response first = api.get("/dashboard/app.js", null);
    String etag = first.headers().firstValue("ETag").orElseThrow();
    Api.Response again =
        api.send("GET", "/dashboard/app.js", null, null, null, "If-None-Match", etag);
    assertEquals(304, again.status());
  }

  @Test
  void refusesTraversalEncodedTraversalAndEveryOtherClasspathResource() throws Exception {
    List<String> paths =
        List.of(
            "/dashboard/application.conf",
            "/dashboard/../application.conf",
            "/dashboard/%2e%2e/application.conf",
            "/dashboard/%2E%2E%2Fapplication.conf",
            "/dashboard/..%2fapplication.conf",
            "/dashboard/vendor/../../application.conf",
            "/dashboard/dashboard/index.html",
            "/dashboard/statehouse/http.conf",
            "/dashboard/logback.xml",
            "/dashboard/io/statehouse/api/Main.class",
            "/dashboard/META-INF/resources/webjars/chart.js/4.4.1/dist/chart.umd.js",
            "/dashboard/vendor/chart.js",
            "/dashboard/vendor/",
            "/dashboard//index.html",
            "/dashboard/index.html%00.js");
    for (String path : paths) {
      String answer = rawGet(path);
      assertFalse(answer.startsWith("HTTP/1.1 200"), path + " answered: " + firstLine(answer));
      String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
      assertFalse(body.contains("include") || body.contains("<configuration"), path + ": " + body);
    }
    // through the client too, which normalises nothing it is not told to
    assertEquals(404, api.get("/dashboard/application.conf", null).status());
    assertEquals(404, api.get("/dashboard/%2e%2e/application.conf", null).status());
  }

  @Test
  void refusesWritesWith405() {
    Api.Response post = api.post("/dashboard/index.html", null, "{}");
    assertEquals(405, post.status());
    assertEquals("method_not_allowed", post.errorCode());
  }

  /**
   * Every script and style the page loads is one of its own files (the policy would block anything
   * else), and the page has no inline script or handler attribute that the policy would refuse.
   */
  @Test
  void thePageLoadsOnlyItsOwnFilesAndHasNoInlineScript() throws Exception {
    String html =
        Files.readString(
            Path.of("src/main/resources/dashboard/index.html"), StandardCharsets.UTF_8);
    Matcher refs = Pattern.compile("(?:src|href)=\"([^\"#][^\"]*)\"").matcher(html);
    while (refs.find()) {
      assertTrue(
          DashboardRoutes.fileNames().contains(refs.group(1)), "not served: " + refs.group(1));
    }
    assertFalse(Pattern.compile("<script(?![^>]*\\bsrc=)").matcher(html).find(), "inline script");
    assertFalse(Pattern.compile("\\son[a-z]+=").matcher(html).find(), "inline handler");
    assertFalse(html.contains("style="), "inline style");
    Matcher imports =
        Pattern.compile("from '\\./([^']+)'")
            .matcher(
                String.join(
                    "\n",
                    DashboardRoutes.fileNames().stream()
                        .filter(n -> n.endsWith(".js") && !n.startsWith("vendor/"))
                        .map(n -> read("src/main/resources/dashboard/" + n))
                        .toList()));
    while (imports.find()) {
      assertTrue(
          DashboardRoutes.fileNames().contains(imports.group(1)),
          "not served: " + imports.group(1));
    }
  }

  @Test
  void theScriptsNeverWriteDataAsHtmlNorStoreTheCredential() {
    for (String name : DashboardRoutes.fileNames()) {
      if (!name.endsWith(".js") || name.startsWith("vendor/")) {
        continue;
      }
      String js = read("src/main/resources/dashboard/" + name);
      for (String sink :
          List.of(
              "innerHTML",
              "outerHTML",
              "insertAdjacentHTML",
              "document.write",
              "eval(",
              "new Function",
              "localStorage",
              "sessionStorage",
              "document.cookie")) {
        assertFalse(js.contains(sink), name + " uses " + sink);
      }
    }
  }

  private static String read(String path) {
    try {
      return Files.readString(Path.of(path), StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A request line sent as it is: no client normalises the path first. */
  private static String rawGet(String path) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", binding.localAddress().getPort())) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String firstLine(String answer) {
    int end = answer.indexOf('\r');
    return end < 0 ? answer : answer.substring(0, end);
  }
}
