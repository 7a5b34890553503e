package io.statehouse.api.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.statehouse.api.dto.Definitions;
import io.statehouse.api.dto.Requests.AgentDefinition;
import io.statehouse.api.dto.TeamDefinitions;
import io.statehouse.api.dto.TeamDefinitions.TeamDefinition;
import io.statehouse.runtime.catalog.AgentSpec;
import io.statehouse.runtime.catalog.TeamSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The definitions docs/examples ships are ones the API accepts: each file the registering script
 * names parses as the API parses a YAML body and passes the same checks, and the team names the
 * agents the script registers.
 */
class DocsExamplesTest {
  private static final Path EXAMPLES = Path.of("..", "docs", "examples");
  private static final Pattern PUT = Pattern.compile("^put (agents|teams)/(\\S+) (\\S+)$");

  @Test
  void theResearchTeamForBedrockIsADefinitionTheApiAccepts() throws Exception {
    Config config = ConfigFactory.load();
    Definitions definitions = new Definitions(config, Set.of("scripted", "bedrock", "openai"));
    TeamDefinitions teams = TeamDefinitions.fromConfig(config);
    Map<String, AgentSpec> agents = new LinkedHashMap<>();
    TeamSpec team = null;
    for (String line : Files.readAllLines(EXAMPLES.resolve("research-team.sh"))) {
      Matcher m = PUT.matcher(line.trim());
      if (!m.matches()) {
        continue;
      }
      Path file = EXAMPLES.resolve(m.group(3));
      if (m.group(1).equals("agents")) {
        AgentDefinition d = ApiJson.YAML_READER.readValue(file.toFile(), AgentDefinition.class);
        agents.put(m.group(2), definitions.agent("acme", m.group(2), d));
      } else {
        TeamDefinition d = ApiJson.YAML_READER.readValue(file.toFile(), TeamDefinition.class);
        team = teams.team(m.group(2), d);
      }
    }
    assertEquals(3, agents.size(), "the script registers three agents");
    assertTrue(team != null, "the script registers the team");
    for (TeamSpec.Member member : team.members()) {
      assertTrue(agents.containsKey(member.agent()), member.agent() + " is registered first");
      assertEquals("bedrock", agents.get(member.agent()).model().provider());
    }
    assertEquals("report", team.done().artifact());
  }
}
