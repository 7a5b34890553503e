// The operators' page: log in, follow the operations stream, switch views by the URL's fragment
// (#/cluster, #/console/<session id>, …; never a credential).

import * as api from './api.js';
import {$, showError} from './dom.js';
import * as overview from './overview.js';
import * as sessionConsole from './console.js';
import * as teams from './teams.js';

const VIEWS = ['cluster', 'sessions', 'approvals', 'activity', 'console', 'teams', 'kill'];

let opsStream = null;
let principal = null;

function setLive(state) {
  const live = $('live');
  if (state instanceof api.ApiError) {
    live.textContent = `stream refused (${state.status})`;
    live.className = 'live off';
    overview.streamRefused(state);
    return;
  }
  live.textContent = state === 'live' ? 'live' : state;
  live.className = state === 'live' ? 'live on' : 'live off';
}

function showPrincipal(ticket) {
  const who = api.principalOf(ticket);
  if (!who) return;
  principal = who;
  overview.setPrincipal(who);
  $('principal').textContent = `${who.subject} @ ${who.tenant} (${who.roles.join(', ')})`;
}

function startOps() {
  opsStream = api.ticketedStream('/v1/ops/stream-tickets', {overview: overview.update}, {
    status: setLive,
    onTicket: showPrincipal,
  });
}

function route() {
  if (!$('nav').hidden) {
    const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
    const view = VIEWS.includes(name) ? name : 'cluster';
    for (const v of VIEWS) {
      $(`view-${v}`).hidden = v !== view;
    }
    for (const link of document.querySelectorAll('#nav a')) {
      link.classList.toggle('current', link.dataset.view === view);
    }
    const arg = rest.length ? decodeURIComponent(rest.join('/')) : null;
    overview.shown(view);
    if (view === 'console') sessionConsole.show(arg);
    if (view === 'teams') teams.show(arg);
  }
}

async function login(event) {
  event.preventDefault();
  const input = $('credential');
  const value = input.value.trim();
  // the field is emptied at once: the credential lives in api.js's memory only
  input.value = '';
  showError($('login-error'), null);
  if (!value) return;
  api.setCredential(value);
  try {
    // open to every role of a tenant: tells a valid credential from one that is not
    await api.get('/v1/sessions?limit=1');
  } catch (e) {
    api.clearCredential();
    showError($('login-error'), e instanceof api.ApiError ? e.describe() : String(e));
    return;
  }
  $('login').hidden = true;
  $('nav').hidden = false;
  $('logout').hidden = false;
  startOps();
  route();
}

function logout(message) {
  api.clearCredential();
  if (opsStream) opsStream.close();
  opsStream = null;
  principal = null;
  sessionConsole.stop();
  teams.stop();
  overview.reset();
  for (const v of VIEWS) $(`view-${v}`).hidden = true;
  $('nav').hidden = true;
  $('logout').hidden = true;
  $('principal').textContent = '';
  setLive('offline');
  $('login').hidden = false;
  showError($('login-error'), message || null);
}

api.whenUnauthorized(error => {
  // while logging in, the form shows the refusal itself
  if (!$('nav').hidden) logout(`Logged out: ${error.describe()}`);
});
$('login-form').addEventListener('submit', login);
$('logout').addEventListener('click', () => logout(null));
window.addEventListener('hashchange', route);
overview.init(() => principal);
sessionConsole.init(showPrincipal);
teams.init();
