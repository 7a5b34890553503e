// Team runs, shown as their workspace: the members and their sessions, artifacts, tasks and the
// board, followed live on the workspace's stream (which takes the credential in its header: it
// has no tickets).

import * as api from './api.js';
import {$, el, fill, rows, sessionLink, showError, time} from './dom.js';

// the most event lines kept on the page
const MAX_EVENTS = 300;

let workspaceId = null;
let stream = null;
let rereadTimer = null;

export function init() {
  $('teams-form').addEventListener('submit', event => {
    event.preventDefault();
    const id = $('workspace-id').value.trim();
    if (id) location.hash = `#/teams/${encodeURIComponent(id)}`;
  });
}

export function show(id) {
  if (!id || id === workspaceId) return;
  open(id);
}

export function stop() {
  if (stream) stream.close();
  stream = null;
  workspaceId = null;
  if (rereadTimer) clearTimeout(rereadTimer);
  rereadTimer = null;
  $('workspace').hidden = true;
  showError($('teams-error'), null);
  $('workspace-id').value = '';
}

async function open(id) {
  stop();
  workspaceId = id;
  $('workspace-id').value = id;
  fill($('workspace-events'));
  if (!(await reread())) return;
  $('workspace').hidden = false;
  stream = api.headerStream(`/v1/workspaces/${api.path(id)}/stream`, {'*': onEvent}, {
    finalReasons: ['run_ended'],
    status: state => {
      if (state instanceof api.ApiError) showError($('teams-error'), state.describe());
    },
  });
}

async function reread() {
  const id = workspaceId;
  try {
    const w = await api.get(`/v1/workspaces/${api.path(id)}`);
    if (id !== workspaceId) return false;
    showError($('teams-error'), null);
    render(w);
    return true;
  } catch (e) {
    if (id === workspaceId) showError($('teams-error'), e.describe ? e.describe() : String(e));
    return false;
  }
}

function render(w) {
  const facts = [
    ['workspace', w.workspaceId], ['run', w.runId],
    ['team', w.team ? `${w.team.name} v${w.team.version}` : '—'], ['pattern', w.pattern],
    ['status', w.reason ? `${w.status} (${w.reason})` : w.status], ['turns', String(w.turns)],
    ['round', String(w.round)], ['cost USD', String((w.usage || {}).costUsd ?? 0)],
    ['started', time(w.startedAt)], ['input', w.input],
  ];
  fill($('workspace-facts'), facts.flatMap(([k, v]) => [el('dt', {}, k),
    el('dd', {dataFact: k}, v ?? '—')]));
  rows($('workspace-members').querySelector('tbody'), w.members || [], m => el('tr', {},
    el('td', {}, m.role), el('td', {}, `${m.agent} v${m.agentVersion}`),
    el('td', {}, m.sessionId ? sessionLink(m.sessionId) : '—'), el('td', {}, m.status),
    el('td', {className: 'num'}, String(m.turns))), 'no members');
  rows($('workspace-artifacts').querySelector('tbody'), w.artifacts || [], a => el('tr', {},
    el('td', {className: 'mono'}, a.name), el('td', {className: 'num'}, String(a.version)),
    el('td', {}, a.role), el('td', {className: 'num'}, String(a.chars))), 'no artifacts');
  rows($('workspace-tasks').querySelector('tbody'), w.tasks || [], t => el('tr', {},
    el('td', {}, t.title), el('td', {}, t.from), el('td', {}, t.owner || '—'),
    el('td', {}, t.status)), 'no tasks');
  fill($('workspace-posts'), (w.posts || []).map(p => el('li', {className: 'message'},
    el('span', {className: 'role'}, `${p.from} → ${p.to || 'everyone'}`),
    el('div', {className: 'content'}, p.text))));
}

function onEvent(event, id, type) {
  const list = $('workspace-events');
  list.append(el('li', {dataSeq: event.seq},
    el('span', {className: 'num'}, String(event.seq)), ' ', type, ' ',
    el('span', {className: 'note'}, time(event.at))));
  while (list.children.length > MAX_EVENTS) list.firstChild.remove();
  if (!rereadTimer) {
    rereadTimer = setTimeout(() => {
      rereadTimer = null;
      if (workspaceId) reread();
    }, 300);
  }
}
