package io.statehouse.runtime.model.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import io.statehouse.runtime.json.Json;
import io.statehouse.runtime.model.ChatMessage;
import io.statehouse.runtime.model.ModelRequest;
import io.statehouse.runtime.model.ToolDescriptor;
import io.statehouse.runtime.model.ToolResultBlock;
import io.statehouse.runtime.model.ToolUse;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointBlock;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointType;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultStatus;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

/**
 * A session's conversation in the form Converse accepts. The session's history is richer than
 * Converse's rules allow, so this is where they are met:
 *
 * <ul>
 *   <li>roles alternate, starting with the user: tool results are a user message, and two messages
 *       of the same role in a row (a turn that failed after its tools answered, then a new user
 *       message) become one;
 *   <li>empty text is left out (Converse refuses empty text blocks), and a message left empty is
 *       dropped;
 *   <li>every tool use is answered in the next message: a call that never got a result (its turn
 *       ended first) gets an error result saying so.
 * </ul>
 *
 * <p>With {@code promptCache}, cache points go after the system prompt, after the tools, after the
 * last message of the previous call's request (the history up to the model's last answer: it was
 * cached by that call, so this one reads it) and after this request's last message (cached for the
 * next call, which reads it). Four points, Bedrock's most per request. A long session thus pays
 * full price only for what each call adds.
 */
final class BedrockConversation {
  static final String NO_RESULT = "no result: the turn ended before this call finished";
  private static final CachePointBlock CACHE_POINT =
      CachePointBlock.builder().type(CachePointType.DEFAULT).build();

  private BedrockConversation() {}

  /** The system blocks: the agent's instructions, then a cache point when caching. */
  static List<SystemContentBlock> system(ModelRequest request, boolean promptCache) {
    List<SystemContentBlock> out = new ArrayList<>();
    if (request.instructions() != null && !request.instructions().isBlank()) {
      out.add(SystemContentBlock.fromText(request.instructions()));
      if (promptCache) {
        out.add(SystemContentBlock.fromCachePoint(CACHE_POINT));
      }
    }
    return out;
  }

  /** The tools the model may ask for; empty when the agent has none. */
  static Optional<ToolConfiguration> tools(ModelRequest request, boolean promptCache) {
    if (request.tools().isEmpty()) {
      return Optional.empty();
    }
    List<Tool> tools = new ArrayList<>();
    for (ToolDescriptor t : request.tools()) {
      JsonNode schema = t.inputSchema() == null ? Json.object() : t.inputSchema();
      ToolSpecification.Builder spec =
          ToolSpecification.builder()
              .name(t.name())
              .inputSchema(ToolInputSchema.fromJson(Documents.toDocument(schema)));
      if (t.description() != null && !t.description().isBlank()) {
        spec.description(t.description());
      }
      tools.add(Tool.fromToolSpec(spec.build()));
    }
    if (promptCache) {
      tools.add(Tool.fromCachePoint(CACHE_POINT));
    }
    return Optional.of(ToolConfiguration.builder().tools(tools).build());
  }

  /** The messages, following Converse's rules (see the class comment). */
  static List<Message> messages(ModelRequest request, boolean promptCache) {
    List<Draft> drafts = new ArrayList<>();
    for (ChatMessage m : request.messages()) {
      Draft d = draft(m);
      if (d.blocks.isEmpty()) {
        continue;
      }
      Draft last = drafts.isEmpty() ? null : drafts.get(drafts.size() - 1);
      if (last != null && last.role == d.role) {
        // e.g. the results of a failed turn's calls, then the user's next text: one message
        last.blocks.addAll(d.blocks);
        last.toolUses.addAll(d.toolUses);
        last.answered.addAll(d.answered);
      } else {
        drafts.add(d);
      }
    }
    answerEveryToolUse(drafts);
    // the end of this request, which the next call reads, and the end of the previous call's
    // request (the message before the model's last answer), which this call reads
    int n = drafts.size();
    Draft end = n >= 1 ? drafts.get(n - 1) : null;
    Draft previousEnd = n >= 3 ? drafts.get(n - 3) : null;
    List<Message> out = new ArrayList<>(n);
    for (Draft d : drafts) {
      List<ContentBlock> blocks = new ArrayList<>(d.blocks);
      if (promptCache && (d == end || d == previousEnd)) {
        blocks.add(ContentBlock.fromCachePoint(CACHE_POINT));
      }
      out.add(Message.builder().role(d.role).content(blocks).build());
    }
    return out;
  }

  /** Adds an error result, in the next user message, for every tool use left without one. */
  private static void answerEveryToolUse(List<Draft> drafts) {
    for (int i = 0; i < drafts.size(); i++) {
      Draft d = drafts.get(i);
      if (d.role != ConversationRole.ASSISTANT || d.toolUses.isEmpty()) {
        continue;
      }
      Draft next = i + 1 < drafts.size() ? drafts.get(i + 1) : null;
      if (next == null || next.role != ConversationRole.USER) {
        next = new Draft(ConversationRole.USER);
        drafts.add(i + 1, next);
      }
      List<ContentBlock> missing = new ArrayList<>();
      for (String id : d.toolUses) {
        if (!next.answered.contains(id)) {
          missing.add(result(new ToolResultBlock(id, NO_RESULT, true)));
          next.answered.add(id);
        }
      }
      // tool results open the user message, before any text
      next.blocks.addAll(0, missing);
    }
  }

  private static Draft draft(ChatMessage m) {
    Draft d =
        new Draft(
            m.role() == ChatMessage.Role.ASSISTANT
                ? ConversationRole.ASSISTANT
                : ConversationRole.USER);
    for (ToolResultBlock r : m.toolResults()) {
      d.blocks.add(result(r));
      d.answered.add(r.toolUseId());
    }
    if (m.text() != null && !m.text().isBlank()) {
      d.blocks.add(ContentBlock.fromText(m.text()));
    }
    for (ToolUse u : m.toolUses()) {
      JsonNode input = u.input() == null ? Json.object() : u.input();
      d.blocks.add(
          ContentBlock.fromToolUse(
              ToolUseBlock.builder()
                  .toolUseId(u.id())
                  .name(u.name())
                  .input(Documents.toDocument(input))
                  .build()));
      d.toolUses.add(u.id());
    }
    return d;
  }

  private static ContentBlock result(ToolResultBlock r) {
    String content = r.content() == null || r.content().isEmpty() ? "(empty)" : r.content();
    return ContentBlock.fromToolResult(
        software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock.builder()
            .toolUseId(r.toolUseId())
            .content(ToolResultContentBlock.fromText(content))
            .status(r.error() ? ToolResultStatus.ERROR : ToolResultStatus.SUCCESS)
            .build());
  }

  /** A message being assembled. */
  private static final class Draft {
    final ConversationRole role;
    final List<ContentBlock> blocks = new ArrayList<>();
    final Set<String> toolUses = new LinkedHashSet<>();
    final Set<String> answered = new LinkedHashSet<>();

    Draft(ConversationRole role) {
      this.role = role;
    }
  }
}
