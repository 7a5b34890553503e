// The views the operations stream drives: cluster, sessions by status, the approval queue, activity
// charts, and the kill switch. Each `overview` frame ({cluster, sessions, approvalsPending,
// activity}) replaces what they show.

import * as api from './api.js';
import {$, el, fill, rows, sessionLink, showError, text, time} from './dom.js';

// the statuses the overview counts, in the order shown; the list endpoint filters by the ones
// that are also a session's status (a passivated session keeps its status in the list)
const STATUSES = ['running', 'awaiting_approval', 'needs_decision', 'idle', 'passivated',
  'closed', 'broken'];
const LISTED = new Set(['running', 'awaiting_approval', 'needs_decision', 'idle', 'closed',
  'broken']);

let current = null;
let currentView = null;
let listedStatus = null;
let pendingSeen = null;
let principalOf = () => null;
const charts = {};

export function init(principal) {
  principalOf = principal;
  $('kill-form').addEventListener('submit', armKillSwitch);
  $('kill-no').addEventListener('click', disarmKillSwitch);
  $('kill-yes').addEventListener('click', fireKillSwitch);
  for (const radio of document.querySelectorAll('input[name="kill-scope"]')) {
    radio.addEventListener('change', () => {
      $('kill-agent').disabled = $('kill-scope-tenant').checked;
      disarmKillSwitch();
    });
  }
}

export function setPrincipal() {
  // the approval buttons depend on who is logged in
  if (currentView === 'approvals') refreshApprovals();
}

export function reset() {
  current = null;
  listedStatus = null;
  pendingSeen = null;
  for (const chart of Object.values(charts)) chart.destroy();
  for (const key of Object.keys(charts)) delete charts[key];
  for (const id of ['members', 'approvals', 'session-list', 'slowest-tools', 'slowest-models']) {
    fill($(id).querySelector('tbody'));
  }
  fill($('session-counts'));
  for (const id of ['cluster-summary', 'approvals-note', 'session-list-title', 'kill-result',
    'nav-approvals', 'sessions-summary', 'approvals-result']) {
    $(id).textContent = '';
  }
  for (const id of ['cluster-error', 'sessions-error', 'approvals-error', 'activity-error',
    'session-list-error', 'kill-error']) {
    showError($(id), null);
  }
  $('session-list').hidden = true;
  disarmKillSwitch();
}

/** The ops stream was refused (403: not an operator): said in every view it feeds. */
export function streamRefused(error) {
  const message = error.status === 403
    ? `${error.describe()} — the cluster, sessions and activity views need the operator role`
    : `the operations stream was refused: ${error.describe()}`;
  for (const id of ['cluster-error', 'sessions-error', 'activity-error']) {
    showError($(id), message);
  }
}

export function shown(view) {
  currentView = view;
  if (view === 'approvals') refreshApprovals();
  if (view === 'activity' && current) renderActivity(current.activity);
}

/** One `overview` frame of the operations stream. */
export function update(data) {
  current = data;
  for (const id of ['cluster-error', 'sessions-error', 'activity-error']) {
    showError($(id), null);
  }
  renderCluster(data.cluster);
  renderCounts(data.sessions || {});
  $('sessions-summary').textContent = [
    data.sessionsCapped ? 'Counted over the first sessions only: the tenant has more than the '
      + 'count covers (statehouse.ops.count-cap).' : '',
    data.complete === false ? 'A node did not answer in time: some counts may be missing.' : '',
  ].join(' ');
  const pending = data.approvalsPending ?? 0;
  $('nav-approvals').textContent = pending ? String(pending) : '';
  if (pending !== pendingSeen) {
    pendingSeen = pending;
    if (currentView === 'approvals') refreshApprovals();
  }
  if (listedStatus) listSessions(listedStatus);
  if (currentView === 'activity') renderActivity(data.activity);
}

// --- cluster ---------------------------------------------------------------------------------

function renderCluster(cluster) {
  if (!cluster) return;
  const members = cluster.members || [];
  const up = members.filter(m => m.status === 'up' && m.reachable).length;
  $('cluster-summary').textContent = `${members.length} members, ${up} up and reachable; `
    + `${cluster.unreachable} unreachable; leader ${cluster.leader || 'none'}`
    + (cluster.statsComplete ? '' : '; some members did not report their shards in time');
  rows($('members').querySelector('tbody'), members, m => el('tr', {
    className: m.reachable ? `status-${m.status}` : 'unreachable',
    dataAddress: m.address,
  },
  el('td', {className: 'mono'}, m.address),
  el('td', {}, m.status),
  el('td', {}, m.reachable ? 'yes' : 'NO'),
  el('td', {}, (m.roles || []).join(', ') || '—'),
  el('td', {}, m.dataCenter),
  el('td', {className: 'num'}, count(m.shards)),
  el('td', {className: 'num'}, count(m.sessions)),
  el('td', {className: 'num'}, count(m.workspaces)),
  el('td', {className: 'num'}, count(m.catalogs)),
  el('td', {}, [m.self ? 'this node' : null, m.leader ? 'leader' : null,
    m.oldest ? 'oldest' : null].filter(Boolean).join(', '))),
  'no members');
}

function count(value) {
  return value === null || value === undefined ? '?' : String(value);
}

// --- sessions by status --------------------------------------------------------------------------

function renderCounts(counts) {
  fill($('session-counts'), STATUSES.map(status => {
    const n = counts[status] ?? 0;
    const label = [el('span', {className: 'n'}, String(n)), el('span', {}, status.replace('_', ' '))];
    return LISTED.has(status)
      ? el('button', {type: 'button', className: `tile ${status}`, dataStatus: status,
        onclick: () => listSessions(status)}, label)
      : el('div', {className: `tile ${status}`, dataStatus: status,
        title: 'counted by the cluster; not a status the session list filters by'}, label);
  }));
}

async function listSessions(status) {
  listedStatus = status;
  $('session-list-title').textContent = `Sessions ${status.replace('_', ' ')}`;
  try {
    const page = await api.get(`/v1/sessions?status=${encodeURIComponent(status)}&limit=100`);
    showError($('session-list-error'), null);
    $('session-list').hidden = false;
    rows($('session-list').querySelector('tbody'), page.sessions, s => el('tr', {},
      el('td', {}, sessionLink(s.id)),
      el('td', {}, s.agent),
      el('td', {}, s.status),
      el('td', {}, time(s.updatedAt))),
    `no ${status} sessions`);
  } catch (e) {
    showError($('session-list-error'), e.describe ? e.describe() : String(e));
  }
}

// --- approvals -----------------------------------------------------------------------------------

/** Whether the logged-in principal may decide `a`, when the page knows who that is. */
function mayDecide(a) {
  const who = principalOf();
  if (a.kind !== 'approval') return {ok: false, why: 'an unknown outcome: retry or record it '
    + 'through the API (POST …/approvals/{id})'};
  if (!who) return {ok: true};
  if (who.subject === a.requestedBy) return {ok: false, why: 'you started this turn'};
  if (!(a.approvers || []).some(role => who.roles.includes(role))) {
    return {ok: false, why: `needs one of the roles ${(a.approvers || []).join(', ')}`};
  }
  return {ok: true};
}

let approvalsLoading = false;

async function refreshApprovals() {
  if (approvalsLoading) return;
  approvalsLoading = true;
  try {
    const queue = await api.get('/v1/approvals?status=pending&limit=100');
    showError($('approvals-error'), null);
    $('approvals').hidden = false;
    $('approvals-note').textContent = principalOf()
      ? ''
      : 'Decisions the node refuses are shown on their row.';
    rows($('approvals').querySelector('tbody'), queue.approvals, approvalRow,
      'nothing waits for a decision');
  } catch (e) {
    // a principal who may not read the queue sees why, and no buttons
    $('approvals').hidden = true;
    showError($('approvals-error'), e.describe ? e.describe() : String(e));
  } finally {
    approvalsLoading = false;
  }
}

function approvalRow(a) {
  const verdict = mayDecide(a);
  const outcome = el('div', {className: 'outcome'});
  const decide = el('td', {className: 'decide'});
  if (verdict.ok) {
    const approve = el('button', {type: 'button', className: 'approve', dataDecision: 'approve'},
      'Approve');
    const deny = el('button', {type: 'button', className: 'deny', dataDecision: 'deny'}, 'Deny');
    const send = decision => async () => {
      approve.disabled = true;
      deny.disabled = true;
      try {
        const result = await api.post(
          `/v1/sessions/${api.path(a.sessionId)}/approvals/${api.path(a.id)}?wait=0`,
          {decision, reason: 'decided from the dashboard'});
        outcome.textContent = `${decision}d: the turn is ${result.status}`;
        outcome.className = 'outcome ok';
        // the row leaves the queue at the next refresh; the note keeps what was done
        $('approvals-result').textContent = `${a.tool} in ${a.sessionId}: ${outcome.textContent}`;
        refreshApprovals();
      } catch (e) {
        outcome.textContent = e.describe ? e.describe() : String(e);
        outcome.className = 'outcome error';
        approve.disabled = e.status === 403;
        deny.disabled = e.status === 403;
      }
    };
    approve.addEventListener('click', send('approve'));
    deny.addEventListener('click', send('deny'));
    decide.append(approve, deny, outcome);
  } else {
    decide.append(el('span', {className: 'note'}, verdict.why));
  }
  return el('tr', {dataApproval: a.id},
    el('td', {}, time(a.requestedAt)),
    el('td', {}, sessionLink(a.sessionId)),
    el('td', {}, a.agent),
    el('td', {className: 'mono'}, a.tool),
    el('td', {className: 'mono clip'}, text(a.input)),
    el('td', {}, a.reason),
    el('td', {}, (a.approvers || []).join(', ')),
    decide);
}

// --- activity ------------------------------------------------------------------------------------

const SERIES = {
  work: [['turns', 'turns'], ['toolCalls', 'tool calls'], ['errors', 'errors']],
  tokens: [['inputTokens', 'input tokens'], ['outputTokens', 'output tokens']],
  cost: [['costUsd', 'cost USD']],
};

function renderActivity(activity) {
  if (!activity) return;
  const minutes = activity.minutes || [];
  const labels = minutes.map(m => {
    const d = new Date(m.at);
    return Number.isNaN(d.getTime()) ? m.at : d.toLocaleTimeString([], {hour: '2-digit',
      minute: '2-digit'});
  });
  if (typeof window.Chart !== 'function') {
    showError($('activity-error'), 'the charting library did not load');
  } else {
    chart('work', 'line', labels, minutes);
    chart('tokens', 'bar', labels, minutes);
    chart('cost', 'line', labels, minutes);
  }
  slowest($('slowest-tools'), activity.slowestTools || [], 'no tool calls yet');
  slowest($('slowest-models'), activity.slowestModels || [], 'no model calls yet');
}

function chart(name, type, labels, minutes) {
  const datasets = SERIES[name].map(([field, label]) => ({
    label,
    data: minutes.map(m => m[field] ?? 0),
  }));
  const existing = charts[name];
  if (existing) {
    existing.data.labels = labels;
    existing.data.datasets.forEach((d, i) => {
      d.data = datasets[i].data;
    });
    existing.update('none');
    return;
  }
  charts[name] = new window.Chart($(`chart-${name}`), {
    type,
    data: {labels, datasets},
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {y: {beginAtZero: true}},
      plugins: {legend: {position: 'bottom'}},
    },
  });
}

function slowest(table, items, emptyText) {
  rows(table.querySelector('tbody'), items, s => el('tr', {},
    el('td', {className: 'mono'}, s.name),
    el('td', {className: 'num'}, String(s.calls)),
    el('td', {className: 'num'}, millis(s.p95Ms)),
    el('td', {className: 'num'}, millis(s.maxMs))),
  emptyText);
}

function millis(value) {
  if (typeof value !== 'number') return text(value);
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}

// --- kill switch ---------------------------------------------------------------------------------

function killScope() {
  if ($('kill-scope-tenant').checked) return {body: {}, what: 'every agent of your tenant'};
  const agent = $('kill-agent').value.trim();
  return agent ? {body: {agent}, what: `agent ${agent}`} : null;
}

function armKillSwitch(event) {
  event.preventDefault();
  showError($('kill-error'), null);
  $('kill-result').textContent = '';
  const scope = killScope();
  if (!scope) {
    showError($('kill-error'), 'name the agent, or choose every agent of the tenant');
    return;
  }
  $('kill-confirm-text').textContent = `Stop every running turn of ${scope.what}?`;
  $('kill-confirm').hidden = false;
  $('kill-arm').disabled = true;
}

function disarmKillSwitch() {
  $('kill-confirm').hidden = true;
  $('kill-arm').disabled = false;
}

async function fireKillSwitch() {
  const scope = killScope();
  disarmKillSwitch();
  if (!scope) return;
  try {
    const result = await api.post('/v1/ops/kill-switch', scope.body);
    fill($('kill-result'),
      `Cancelled ${result.cancelled} running turn${result.cancelled === 1 ? '' : 's'} of `
        + `${scope.what}`, (result.sessions || []).length ? ': ' : '.',
      ...(result.sessions || []).flatMap((id, i) => [i ? ', ' : '', sessionLink(id)]),
      result.truncated ? ' More sessions matched than one call stops: pull it again.' : null);
  } catch (e) {
    showError($('kill-error'), e.describe ? e.describe() : String(e));
  }
}
