// The session console: one session's conversation, its events with the hash chain's status, the
// model's text as it streams, and the operator's actions (cancel the turn, passivate, close).

import * as api from './api.js';
import {$, el, fill, shortHash, showError, text, time} from './dom.js';

// the most event rows kept on the page; older ones are dropped from the top
const MAX_EVENT_ROWS = 500;
// events after which the conversation and the chain's verification are read again
const REREAD_AFTER = new Set(['UserMessageAdded', 'ModelReplied', 'ToolCallSucceeded',
  'ToolCallFailed', 'ToolCallOutcomeUnknown', 'ToolCallDenied', 'ApprovalRequested',
  'ApprovalGranted', 'ApprovalDenied', 'OutcomeDecided', 'TurnCompleted', 'TurnFailed',
  'TurnCancelled', 'QueuedTurnStarted', 'SessionClosed']);

let sessionId = null;
let stream = null;
let lastHash = null;
let verified = null;
let rereadTimer = null;
let ticketSeen = () => {};

/** `onTicket` sees every stream ticket the console gets (it names who is logged in). */
export function init(onTicket) {
  ticketSeen = onTicket;
  $('console-form').addEventListener('submit', event => {
    event.preventDefault();
    const id = $('console-id').value.trim();
    if (id) location.hash = `#/console/${encodeURIComponent(id)}`;
  });
  $('console-cancel').addEventListener('click', () => act('cancel', () =>
    api.post(`/v1/sessions/${api.path(sessionId)}/cancel`)
      .then(r => `turn ${r.turnId} ${r.status}`)));
  $('console-passivate').addEventListener('click', () => act('passivate', () =>
    api.post(`/v1/sessions/${api.path(sessionId)}/passivate`)
      .then(r => `the session is ${r.status}`)));
  $('console-close').addEventListener('click', () => {
    $('console-close-confirm').hidden = false;
    $('console-close').disabled = true;
  });
  $('console-close-no').addEventListener('click', hideCloseConfirm);
  $('console-close-yes').addEventListener('click', () => {
    hideCloseConfirm();
    act('close', () => api.del(`/v1/sessions/${api.path(sessionId)}`)
      .then(r => `the session is ${r.status}`));
  });
}

function hideCloseConfirm() {
  $('console-close-confirm').hidden = true;
  $('console-close').disabled = false;
}

async function act(name, request) {
  $('console-action').textContent = `${name}…`;
  $('console-action').className = 'note';
  try {
    $('console-action').textContent = await request();
  } catch (e) {
    $('console-action').textContent = `${name}: ${e.describe ? e.describe() : String(e)}`;
    $('console-action').className = 'note error';
  }
  scheduleReread();
}

/** The console's view was opened, for session `id` (null: keep what is open). */
export function show(id) {
  if (!id || id === sessionId) return;
  open(id);
}

export function stop() {
  if (stream) stream.close();
  stream = null;
  sessionId = null;
  if (rereadTimer) clearTimeout(rereadTimer);
  rereadTimer = null;
  $('console-body').hidden = true;
  showError($('console-error'), null);
  $('console-id').value = '';
}

async function open(id) {
  stop();
  sessionId = id;
  $('console-id').value = id;
  lastHash = null;
  verified = null;
  fill($('events').querySelector('tbody'));
  fill($('conversation'));
  $('live-text').textContent = '';
  $('chain').textContent = '';
  $('console-action').textContent = '';
  hideCloseConfirm();
  if (!(await reread())) return;
  $('console-body').hidden = false;
  stream = api.ticketedStream(`/v1/sessions/${api.path(id)}/stream-tickets`, {
    delta: onDelta,
    '*': onEvent,
  }, {
    finalReasons: ['session_closed'],
    onTicket: ticket => ticketSeen(ticket),
    status: state => {
      if (state instanceof api.ApiError) showError($('console-error'), state.describe());
    },
  });
}

/** Reads the session and verifies its chain; false (and the error shown) when it cannot. */
async function reread() {
  const id = sessionId;
  try {
    const [session, verification] = await Promise.all([
      api.get(`/v1/sessions/${api.path(id)}`),
      api.get(`/v1/sessions/${api.path(id)}/audit/verify`).catch(e => ({error: e})),
    ]);
    if (id !== sessionId) return false;
    showError($('console-error'), null);
    renderSession(session);
    renderVerification(verification);
    return true;
  } catch (e) {
    if (id === sessionId) showError($('console-error'), e.describe ? e.describe() : String(e));
    return false;
  }
}

function scheduleReread() {
  if (rereadTimer) return;
  rereadTimer = setTimeout(() => {
    rereadTimer = null;
    if (sessionId) reread();
  }, 300);
}

function renderSession(s) {
  const usage = s.usage || {};
  const facts = [
    ['session', s.id], ['status', s.status], ['agent', `${s.agent.name} v${s.agent.version}`],
    ['owner', s.owner], ['turns', String(s.turns)],
    ['tokens', String(usage.totalTokens ?? 0)], ['cost USD', String(usage.costUsd ?? 0)],
    ['running turn', s.currentTurn ? `${s.currentTurn.turnId} (${s.currentTurn.status})` : '—'],
  ];
  if (s.error) facts.push(['error', `${s.error.code}: ${s.error.message}`]);
  fill($('console-facts'), facts.flatMap(([k, v]) => [el('dt', {}, k),
    el('dd', {dataFact: k}, v)]));
  $('console-facts').dataset.status = s.status;
  fill($('conversation'), (s.messages || []).map(message));
}

function message(m) {
  const parts = [];
  if (m.content) parts.push(el('div', {className: 'content'}, m.content));
  for (const c of m.toolCalls || []) {
    parts.push(el('div', {className: 'tool-call mono'}, `→ ${c.name} ${text(c.input)}`));
  }
  for (const r of m.toolResults || []) {
    parts.push(el('div', {className: `tool-result mono${r.isError ? ' error' : ''}`},
      `← ${r.content}`));
  }
  return el('li', {className: `message ${m.role}`}, el('span', {className: 'role'}, m.role),
    parts);
}

function renderVerification(v) {
  verified = v.error ? null : v;
  const chain = $('chain');
  if (v.error) {
    chain.textContent = `chain not verified: ${v.error.describe()}`;
    chain.className = 'chain unknown';
  } else if (v.valid) {
    chain.textContent = `chain valid: ${v.events} events, head ${shortHash(v.headHash)}`;
    chain.className = 'chain valid';
  } else {
    chain.textContent = `chain INVALID from event ${v.firstInvalidSeq ?? v.firstMissingSeq}`
      + (v.reason ? `: ${v.reason}` : '');
    chain.className = 'chain invalid';
  }
  for (const row of $('events').querySelectorAll('tbody tr[data-seq]')) {
    markChain(row);
  }
}

/** An event row's chain cell: as verified by the node, else linked to the row before. */
function markChain(row) {
  const seq = Number(row.dataset.seq);
  const cell = row.lastChild;
  const bad = verified && !verified.valid
    && seq >= Math.min(verified.firstInvalidSeq ?? Infinity, verified.firstMissingSeq ?? Infinity);
  if (bad) {
    cell.textContent = 'invalid';
  } else if (row.dataset.linked === 'false') {
    cell.textContent = 'not linked';
  } else {
    cell.textContent = verified && seq <= verified.events ? 'verified' : 'linked';
  }
  row.classList.toggle('invalid', cell.textContent === 'invalid'
    || cell.textContent === 'not linked');
}

function onEvent(event, id, type) {
  const tbody = $('events').querySelector('tbody');
  const linked = lastHash === null || event.prevHash === lastHash;
  lastHash = event.hash;
  const row = el('tr', {dataSeq: event.seq, dataType: type, dataLinked: linked},
    el('td', {className: 'num'}, String(event.seq)),
    el('td', {}, type),
    el('td', {}, time(event.at)),
    el('td', {}, event.actor),
    el('td', {className: 'mono', title: event.hash}, shortHash(event.hash)),
    el('td', {}));
  markChain(row);
  tbody.append(row);
  while (tbody.children.length > MAX_EVENT_ROWS) tbody.firstChild.remove();
  if (type === 'ModelCallStarted') $('live-text').textContent = '';
  if (type === 'ModelReplied') {
    // the journal's answer replaces the preview (docs/streaming.md)
    $('live-text').textContent = (event.data && event.data.text) || '';
  }
  if (REREAD_AFTER.has(type)) scheduleReread();
}

let previewOf = null;

function onDelta(delta) {
  if (delta.kind !== 'text') return;
  // a model call made again streams its answer again from the start, with the next attempt
  const call = `${delta.turnId}/${delta.step}/${delta.attempt}`;
  if (call !== previewOf) {
    previewOf = call;
    $('live-text').textContent = '';
  }
  $('live-text').append(delta.text);
}
