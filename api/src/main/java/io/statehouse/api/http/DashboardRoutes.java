package io.statehouse.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Allow;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.headers.EntityTag;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /dashboard/} and the files of the operators' page, without a key: they hold no data
 * (the page asks the API for everything with the credential the operator types in). Only the files
 * of {@link #FILES} are served, read once from the classpath when the node starts; any other path
 * under {@code /dashboard/} is 404, so no other resource of the classpath (configuration, classes)
 * can be reached through it. Every answer carries a strict Content-Security-Policy (scripts and
 * connections from this origin only, no inline script, no eval, no framing) and is revalidated by
 * its ETag, so a node that is upgraded serves its new page at once.
 */
public final class DashboardRoutes extends AllDirectives {
  /** Where the page's own files are on the classpath. */
  private static final String PAGE = "dashboard/";

  /** The Chart.js WebJar's browser bundle (org.webjars.npm:chart.js). */
  private static final String CHART_JS = "META-INF/resources/webjars/chart.js/4.4.1/dist/";

  private static final ContentType JS =
      MediaTypes.APPLICATION_JAVASCRIPT.toContentType(HttpCharsets.UTF_8);
  private static final ContentType CSS = MediaTypes.TEXT_CSS.toContentType(HttpCharsets.UTF_8);

  /** The only files served: the name under {@code /dashboard/} → where it is, and its type. */
  private static final Map<String, Source> FILES = files();

  /**
   * The policy of every answer: nothing runs or loads from elsewhere, no inline script or style, no
   * eval, forms go nowhere (the login form is read by the page, never submitted into a URL), and no
   * other site may frame the page.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
          + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
          + "frame-ancestors 'none'";

  private static final List<HttpHeader> SECURITY_HEADERS =
      List.of(
          RawHeader.create("Content-Security-Policy", CONTENT_SECURITY_POLICY),
          RawHeader.create("X-Content-Type-Options", "nosniff"),
          RawHeader.create("Referrer-Policy", "no-referrer"),
          RawHeader.create("X-Frame-Options", "DENY"),
          // revalidated every time (by ETag): a page newer than the node's API would call it wrong
          CacheControl.create(CacheDirectives.NO_CACHE));

  private record Source(String resource, ContentType type) {}

  private record Asset(byte[] bytes, ContentType type, EntityTag etag) {}

  private final Map<String, Asset> assets = new LinkedHashMap<>();

  /** Reads every file of the page; a missing one fails the node's start, not a request. */
  public DashboardRoutes() {
    FILES.forEach((name, source) -> assets.put(name, load(source)));
  }

  private static Map<String, Source> files() {
    Map<String, Source> f = new LinkedHashMap<>();
    f.put("index.html", new Source(PAGE + "index.html", ContentTypes.TEXT_HTML_UTF8));
    f.put("dashboard.css", new Source(PAGE + "dashboard.css", CSS));
    f.put(
        "favicon.svg", new Source(PAGE + "favicon.svg", MediaTypes.IMAGE_SVG_XML.toContentType()));
    for (String module :
        List.of("app.js", "api.js", "dom.js", "overview.js", "console.js", "teams.js")) {
      f.put(module, new Source(PAGE + module, JS));
    }
    f.put("vendor/chart.umd.js", new Source(CHART_JS + "chart.umd.js", JS));
    return Map.copyOf(f);
  }

  /** The names under {@code /dashboard/} that are served (for tests and docs). */
  static java.util.Set<String> fileNames() {
    return FILES.keySet();
  }

  public Route route() {
    return pathPrefix(
        "dashboard",
        () ->
            concat(
                // the page's relative URLs need the trailing slash
                pathEnd(() -> redirectTo("/dashboard/")),
                pathSingleSlash(() -> serve("index.html")),
                path(PathMatchers.remaining(), this::serve)));
  }

  private Route redirectTo(String to) {
    return complete(
        HttpResponse.create()
            .withStatus(StatusCodes.PERMANENT_REDIRECT)
            .addHeaders(SECURITY_HEADERS)
            .addHeader(Location.create(to)));
  }

  private Route serve(String name) {
    Asset asset = assets.get(name);
    if (asset == null) {
      return complete(
          ApiJson.error(ApiError.notFound("not_found", "no such file of the dashboard"))
              .addHeaders(SECURITY_HEADERS));
    }
    return extractMethod(
        method ->
            method.equals(HttpMethods.GET) || method.equals(HttpMethods.HEAD)
                ? conditional(
                    asset.etag(),
                    () ->
                        complete(
                            HttpResponse.create()
                                .withEntity(asset.type(), asset.bytes())
                                .addHeaders(SECURITY_HEADERS)))
                : complete(
                    ApiJson.error(
                            new ApiError(
                                StatusCodes.METHOD_NOT_ALLOWED,
                                "method_not_allowed",
                                "the dashboard's files are read with GET"))
                        .addHeader(Allow.create(HttpMethods.GET, HttpMethods.HEAD))
                        .addHeaders(SECURITY_HEADERS)));
  }

  private static Asset load(Source source) {
    ClassLoader loader = DashboardRoutes.class.getClassLoader();
    try (InputStream in = loader.getResourceAsStream(source.resource())) {
      if (in == null) {
        throw new IllegalStateException(
            "the dashboard's file " + source.resource() + " is not on the classpath");
      }
      byte[] bytes = in.readAllBytes();
      String hash =
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16);
      return new Asset(bytes, source.type(), EntityTag.create(hash, false));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
