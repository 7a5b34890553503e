package io.statehouse.api.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small real-HTTP client of the Statehouse API for integration tests. */
public final class Api {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final String host;
  private final int port;
  private final String base;

  public Api(String host, int port) {
    this.host = host;
    this.port = port;
    this.base = "http://" + host + ":" + port;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /** A response with its JSON body (MissingNode when the body is not JSON). */
  public record Response(int status, JsonNode body, String raw, HttpHeaders headers) {
    public String text(String field) {
      return body.path(field).asText();
    }

    public String errorCode() {
      return body.path("error").path("code").asText();
    }
  }

  public Response get(String path, String key) {
    return send("GET", path, key, null, null);
  }

  public Response post(String path, String key, String json) {
    return send("POST", path, key, json, "application/json");
  }

  public Response put(String path, String key, String body, String contentType) {
    return send("PUT", path, key, body, contentType);
  }

  public Response delete(String path, String key) {
    return send("DELETE", path, key, null, null);
  }

  /** {@code headers}: extra header names and values, alternating. */
  public Response send(
      String method, String path, String key, String body, String contentType, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(120));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json;
      try {
        json = r.body().isEmpty() ? MissingNode.getInstance() : JSON.readTree(r.body());
      } catch (Exception notJson) {
        json = MissingNode.getInstance();
      }
      return new Response(r.statusCode(), json, r.body(), r.headers());
    } catch (Exception e) {
      throw new IllegalStateException(method + " " + path + " failed: " + e, e);
    }
  }

  /** Registers a tool from JSON; fails the test unless the API accepted it. */
  public void putTool(String key, String name, String json) {
    Response r = put("/v1/tools/" + name, key, json, "application/json");
    if (r.status() != 200 && r.status() != 201) {
      throw new AssertionError("PUT tool " + name + ": " + r.status() + " " + r.raw());
    }
  }

  public void putAgent(String key, String name, String json) {
    Response r = put("/v1/agents/" + name, key, json, "application/json");
    if (r.status() != 200 && r.status() != 201) {
      throw new AssertionError("PUT agent " + name + ": " + r.status() + " " + r.raw());
    }
  }

  /** Opens a session of {@code agent}; returns its id. */
  public String openSession(String key, String agent) {
    Response r = post("/v1/sessions", key, "{\"agent\":\"" + agent + "\"}");
    if (r.status() != 201) {
      throw new AssertionError("POST session: " + r.status() + " " + r.raw());
    }
    return r.text("id");
  }

  /**
   * Opens a session of {@code agent} and sends {@code messages}, one turn each, every turn
   * completed before the next; returns the session's id.
   */
  public String sessionWithTurns(String key, String agent, String... messages) {
    String id = openSession(key, agent);
    for (String content : messages) {
      Response r =
          post(
              "/v1/sessions/" + id + "/messages",
              key,
              "{\"content\":" + JSON.getNodeFactory().textNode(content) + "}");
      if (!"completed".equals(r.text("status"))) {
        throw new AssertionError("turn '" + content + "': " + r.status() + " " + r.raw());
      }
    }
    return id;
  }
}
