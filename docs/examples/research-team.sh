#!/usr/bin/env bash
# The research team of docs/teams.md on Amazon Bedrock: three agents and the team, registered from
# the YAML files next to this script. Needs a node whose Bedrock credentials and region are set
# (docs/models.md, "Bedrock"). Usage: SH=http://127.0.0.1:8080 KEY=<developer key> ./research-team.sh
set -euo pipefail
cd "$(dirname "$0")"
: "${SH:=http://127.0.0.1:8080}"
: "${KEY:?a developer key of the tenant, e.g. sh-demo-acme-alice}"
put() {
  curl -sf -X PUT -H "Authorization: Bearer $KEY" -H 'Content-Type: application/yaml' \
    --data-binary @"$2" "$SH/v1/$1" > /dev/null
  echo "registered $1"
}
put agents/bedrock-researcher research-team/researcher.yaml
put agents/bedrock-compliance-checker research-team/compliance-checker.yaml
put agents/bedrock-summarizer research-team/summarizer.yaml
put teams/bedrock-research research-team/team.yaml
echo "start a run:"
echo "  curl -s -H 'Authorization: Bearer $KEY' -d '{\"input\":\"Why are there tides?\"}' $SH/v1/teams/bedrock-research/runs"
