package io.statehouse.api.it;

/** JSON definitions the integration tests register. */
public final class Defs {
  private Defs() {}

  /** A tool taking {@code {"q": string}} at {@code url}. */
  /**
   * An idempotent HTTP tool whose {@code X-Api-Key} header is the secret {@code IT_API_KEY}: the
   * tool of the tests that look for a secret's value in what the API answers.
   */
  public static String toolWithSecretHeader(String url) {
    return "{\"description\":\"test tool\",\"idempotent\":true,\"timeout\":\"5s\","
        + "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}},"
        + "\"http\":{\"method\":\"POST\",\"url\":\""
        + url
        + "\",\"headers\":{\"X-Api-Key\":{\"secret\":\"IT_API_KEY\"}}}}";
  }

  public static String tool(String url, boolean idempotent, String timeout) {
    return "{\"description\":\"test tool\",\"idempotent\":"
        + idempotent
        + ",\"timeout\":\""
        + timeout
        + "\","
        + "\"retry\":{\"maxAttempts\":1,\"backoff\":\"100ms\"},"
        + "\"inputSchema\":{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]},"
        + "\"http\":{\"method\":\"POST\",\"url\":\""
        + url
        + "\"}}";
  }

  /** A scripted agent: {@code steps} is the JSON array of its script. */
  public static String agent(String tools, String steps, boolean loop, Long latencyMs) {
    return "{\"description\":\"test agent\",\"instructions\":\"Be brief.\","
        + "\"model\":{\"provider\":\"scripted\",\"loop\":"
        + loop
        + (latencyMs == null ? "" : ",\"latencyMs\":" + latencyMs)
        + ",\"script\":"
        + steps
        + "},"
        + "\"tools\":"
        + tools
        + ",\"limits\":{\"maxStepsPerTurn\":6}}";
  }

  /** One step calling {@code tool} with {@code {"q": q}}. */
  public static String call(String tool, String q) {
    return "{\"toolCalls\":[{\"name\":\"" + tool + "\",\"input\":{\"q\":\"" + q + "\"}}]}";
  }

  public static String text(String text) {
    return "{\"text\":\"" + text + "\"}";
  }
}
