package io.statehouse.runtime.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.model.Usage;
import io.statehouse.runtime.session.SessionId;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One session incarnation's spans, following the GenAI conventions: {@code invoke_agent {agent}}
 * from a turn's start to its end, {@code chat {model}} per model call and {@code execute_tool
 * {tool}} per tool call under it. Spans live in this object only, never in the journal: a turn that
 * outlives its incarnation (a crash, a move, passivation while it waits for a human) ends its span
 * when the incarnation stops, and the next incarnation starts a new one marked resumed.
 *
 * <p>A caller's W3C context, when it sent one, is the turn span's parent. Used on the session's
 * thread only.
 */
final class SessionSpans {
  private final Tracer tracer;
  private final SessionId id;
  private final boolean content;
  private AgentSpec agent;
  private String provider;
  private String model;
  private String chatName;
  private Span turn;
  private String turnId;
  private Context turnContext;
  private Span chat;
  // by call id: a step's tool calls in flight
  private final Map<String, Span> tools = new HashMap<>(8);
  // turns accepted with a caller's context whose start is not persisted yet (queued ones)
  private Map<String, TraceParent> parents;

  SessionSpans(Tracer tracer, SessionId id, boolean captureContent) {
    this.tracer = tracer;
    this.id = id;
    this.content = captureContent;
  }

  void bind(AgentSpec spec) {
    if (agent == null && spec != null) {
      agent = spec;
      provider = GenAi.provider(spec.model());
      model = GenAi.model(spec.model());
      chatName = GenAi.CHAT + " " + model;
    }
  }

  /** Turn {@code turnId}, about to be persisted, continues the caller's {@code parent}. */
  void expect(String turnId, TraceParent parent) {
    if (parents == null) {
      parents = new HashMap<>(4);
    }
    parents.put(turnId, parent);
  }

  void turnStarted(String newTurnId, Instant at, boolean resumed, String userText) {
    if (agent == null) {
      // a turn of a session whose creation this incarnation never saw (it cannot happen)
      return;
    }
    if (turn != null) {
      // a turn whose end this incarnation did not see (it cannot happen; never leak a span)
      turnEnded(at, null, null);
    }
    TraceParent parent = parents == null ? null : parents.remove(newTurnId);
    var b =
        tracer
            .spanBuilder(GenAi.INVOKE_AGENT + " " + agent.name())
            .setSpanKind(SpanKind.INTERNAL)
            .setParent(parent == null ? Context.root() : parent.context())
            .setStartTimestamp(at)
            .setAttribute(GenAi.OPERATION_NAME, GenAi.INVOKE_AGENT)
            .setAttribute(GenAi.PROVIDER_NAME, provider)
            .setAttribute(GenAi.REQUEST_MODEL, model)
            .setAttribute(GenAi.AGENT_NAME, agent.name())
            .setAttribute(GenAi.AGENT_ID, agent.name() + "@" + agent.version())
            .setAttribute(GenAi.AGENT_VERSION, Integer.toString(agent.version()))
            .setAttribute(GenAi.CONVERSATION_ID, id.id())
            .setAttribute(GenAi.TENANT, id.tenant())
            .setAttribute(GenAi.TURN_ID, newTurnId);
    if (resumed) {
      b.setAttribute(GenAi.RESUMED, true);
    }
    if (content && userText != null) {
      b.setAttribute(GenAi.INPUT_MESSAGES, userText);
    }
    turn = b.startSpan();
    turnId = newTurnId;
    turnContext = Context.root().with(turn);
  }

  /** Whether turn {@code id}'s span is open. */
  boolean hasTurn(String id) {
    return turn != null && id.equals(turnId);
  }

  void turnEnded(Instant at, String errorType, Usage usage) {
    if (turn == null) {
      return;
    }
    endChat(at, errorType);
    for (Span tool : tools.values()) {
      tool.setAttribute(GenAi.ERROR_TYPE, "turn_ended");
      tool.setStatus(StatusCode.ERROR);
      tool.end(at);
    }
    tools.clear();
    if (usage != null) {
      turn.setAttribute(GenAi.INPUT_TOKENS, usage.inputTokens());
      turn.setAttribute(GenAi.OUTPUT_TOKENS, usage.outputTokens());
    }
    if (errorType != null) {
      turn.setAttribute(GenAi.ERROR_TYPE, errorType);
      turn.setStatus(StatusCode.ERROR);
    }
    turn.end(at);
    turn = null;
    turnId = null;
    turnContext = null;
  }

  void chatStarted(Instant at, int step) {
    if (turn == null) {
      return;
    }
    endChat(at, null);
    chat =
        tracer
            .spanBuilder(chatName)
            .setSpanKind(SpanKind.CLIENT)
            .setParent(turnContext)
            .setStartTimestamp(at)
            .setAttribute(GenAi.OPERATION_NAME, GenAi.CHAT)
            .setAttribute(GenAi.PROVIDER_NAME, provider)
            .setAttribute(GenAi.REQUEST_MODEL, model)
            .setAttribute(GenAi.CONVERSATION_ID, id.id())
            .setAttribute(GenAi.STEP, step)
            .startSpan();
  }

  boolean chatOpen() {
    return chat != null;
  }

  void chatReplied(Instant at, Usage usage, String stopReason, String text) {
    if (chat == null) {
      return;
    }
    if (usage != null) {
      chat.setAttribute(GenAi.INPUT_TOKENS, usage.inputTokens());
      chat.setAttribute(GenAi.OUTPUT_TOKENS, usage.outputTokens());
    }
    if (stopReason != null) {
      chat.setAttribute(GenAi.FINISH_REASONS, List.of(stopReason));
    }
    if (content && text != null) {
      chat.setAttribute(GenAi.OUTPUT_MESSAGES, text);
    }
    chat.end(at);
    chat = null;
  }

  private void endChat(Instant at, String errorType) {
    if (chat != null) {
      if (errorType != null) {
        chat.setAttribute(GenAi.ERROR_TYPE, errorType);
        chat.setStatus(StatusCode.ERROR);
      }
      chat.end(at);
      chat = null;
    }
  }

  void toolStarted(String callId, String tool, Instant at, JsonNode arguments) {
    if (turn == null) {
      return;
    }
    Span previous = tools.remove(callId);
    if (previous != null) {
      previous.end(at);
    }
    var b =
        tracer
            .spanBuilder(GenAi.EXECUTE_TOOL + " " + tool)
            .setSpanKind(SpanKind.INTERNAL)
            .setParent(turnContext)
            .setStartTimestamp(at)
            .setAttribute(GenAi.OPERATION_NAME, GenAi.EXECUTE_TOOL)
            .setAttribute(GenAi.TOOL_NAME, tool)
            .setAttribute(GenAi.TOOL_CALL_ID, callId)
            .setAttribute(GenAi.TOOL_TYPE, "function")
            .setAttribute(GenAi.CONVERSATION_ID, id.id());
    if (content && arguments != null) {
      b.setAttribute(GenAi.TOOL_ARGUMENTS, arguments.toString());
    }
    tools.put(callId, b.startSpan());
  }

  /** The W3C context of call {@code callId}'s span, for the tool; null when it has none. */
  TraceParent toolContext(String callId) {
    Span span = tools.get(callId);
    return span == null ? null : TraceParent.of(span);
  }

  void toolEnded(String callId, Instant at, String errorType, int attempts, String result) {
    Span span = tools.remove(callId);
    if (span == null) {
      return;
    }
    if (attempts > 0) {
      span.setAttribute(GenAi.TOOL_ATTEMPTS, attempts);
    }
    if (errorType != null) {
      span.setAttribute(GenAi.ERROR_TYPE, errorType);
      span.setStatus(StatusCode.ERROR);
    }
    if (content && result != null) {
      span.setAttribute(GenAi.TOOL_RESULT, result);
    }
    span.end(at);
  }

  /** The incarnation stops: whatever is open ends now, marked so. */
  void stopped(Instant at) {
    if (chat != null) {
      chat.setAttribute(GenAi.STOPPED, true);
      chat.end(at);
      chat = null;
    }
    for (Span tool : tools.values()) {
      tool.setAttribute(GenAi.STOPPED, true);
      tool.end(at);
    }
    tools.clear();
    if (turn != null) {
      turn.setAttribute(GenAi.STOPPED, true);
      turn.end(at);
      turn = null;
      turnId = null;
      turnContext = null;
    }
    parents = null;
  }
}
