// The API as the page uses it. The credential (an API key or a JWT) lives in this module's memory
// only: every request sends it as `Authorization: Bearer`. Streams are opened with single-use
// stream tickets, a new one for each connection, as the API asks of browsers (docs/streaming.md);
// a credential is never put in a URL.

let credential = null;

/** Called on a 401 after login (a JWT that expired, a key that was removed). */
let onUnauthorized = () => {};

export function setCredential(value) {
  credential = value;
}

export function clearCredential() {
  credential = null;
}

export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** An answer other than 2xx: the status, the API's error code and its message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  /** What the page shows: the status and what the node said, never hidden. */
  describe() {
    if (this.status === 401) {
      return `401 unauthorized: the key or JWT was not accepted (${this.message})`;
    }
    if (this.status === 403) {
      return `403 forbidden: ${this.message}`;
    }
    return `${this.status || 'network'} ${this.code}: ${this.message}`;
  }
}

async function errorOf(response) {
  let code = 'error';
  let message = response.statusText || 'request failed';
  try {
    const body = await response.json();
    if (body && body.error) {
      code = body.error.code || code;
      message = body.error.message || message;
    }
  } catch (notJson) {
    // the body was not the API's JSON error; the status says enough
  }
  return new ApiError(response.status, code, message);
}

/** A request to the API; resolves with the JSON body, or throws an ApiError. */
export async function call(method, path, body) {
  if (credential === null) {
    throw new ApiError(401, 'unauthorized', 'not logged in');
  }
  const headers = {Authorization: `Bearer ${credential}`};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch (network) {
    throw new ApiError(0, 'unreachable', `the node did not answer (${network.message})`);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (error.status === 401) {
      onUnauthorized(error);
    }
    throw error;
  }
  if (response.status === 204) {
    return null;
  }
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const get = path => call('GET', path);
export const post = (path, body) => call('POST', path, body === undefined ? {} : body);
export const del = path => call('DELETE', path);

/** Segments of a path, encoded (ids come from people and from the API). */
export function path(...segments) {
  return segments.map(s => encodeURIComponent(String(s))).join('/');
}

const RETRY_MS = [500, 1000, 2000, 5000, 10000];

/**
 * Follows a Server-Sent Events stream: `connect(last)` opens it after event `last` (a fetch
 * Response, or throws an ApiError), and it is opened again after the last event id seen whenever
 * it drops or ends for a reason not in `finalReasons`. `handlers` maps event names (or '*': any
 * other) to functions of the parsed data and the event id; `status` is told 'live',
 * 'reconnecting', 'ended', or an ApiError that stops it (401, 403, 404: nothing a retry changes).
 * Read with fetch rather than EventSource: every event type reaches '*', and the browser never
 * reconnects by itself with a used ticket.
 */
function follow(connect, handlers, {status = () => {}, finalReasons = []}) {
  const abort = new AbortController();
  let closed = false;
  let last = 0;
  let attempt = 0;
  let immediate = false;

  const dispatch = (name, data, id) => {
    if (id) last = Number(id);
    if (name === 'end') {
      const end = JSON.parse(data);
      if (typeof end.lastSeq === 'number') last = end.lastSeq;
      if (finalReasons.includes(end.reason)) return 'final';
      // a slow consumer reconnects at once; the rest back off
      immediate = end.reason === 'slow_consumer';
      return 'again';
    }
    const handler = handlers[name] || handlers['*'];
    if (handler) handler(JSON.parse(data), id, name);
    return null;
  };

  async function run() {
    while (!closed) {
      let ended = null;
      try {
        const response = await connect(last, abort.signal);
        if (response.status === 204) {
          status('ended');
          return;
        }
        if (!response.ok) throw await errorOf(response);
        status('live');
        attempt = 0;
        ended = await readEvents(response.body, dispatch);
      } catch (e) {
        if (closed) return;
        if (e instanceof ApiError && [401, 403, 404].includes(e.status)) {
          status(e);
          return;
        }
      }
      if (closed) return;
      if (ended === 'final') {
        status('ended');
        return;
      }
      status('reconnecting');
      const wait = immediate ? 0 : RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)];
      immediate = false;
      attempt += 1;
      await new Promise(resolve => setTimeout(resolve, wait));
    }
  }

  run();
  return {
    close() {
      closed = true;
      abort.abort();
    },
  };
}

/**
 * A stream opened with a new single-use ticket for every connection: POST `ticketPath` answers
 * {ticket, stream}; the stream URL holds the ticket, never the credential. `onTicket` sees each
 * ticket.
 */
export function ticketedStream(ticketPath, handlers, {onTicket = () => {}, ...options} = {}) {
  return follow(async (last, signal) => {
    const ticket = await post(ticketPath);
    onTicket(ticket.ticket);
    const url = last > 0 ? `${ticket.stream}&after=${last}` : ticket.stream;
    return fetch(url, {signal, cache: 'no-store', credentials: 'omit',
      headers: {Accept: 'text/event-stream'}});
  }, handlers, options);
}

/**
 * A stream that takes no ticket (a team's workspace): the credential goes in the header, never
 * in the URL.
 */
export function headerStream(streamPath, handlers, options = {}) {
  return follow((last, signal) => {
    if (credential === null) throw new ApiError(401, 'unauthorized', 'not logged in');
    return fetch(`${streamPath}?after=${last}`, {
      signal,
      cache: 'no-store',
      credentials: 'omit',
      headers: {Authorization: `Bearer ${credential}`, Accept: 'text/event-stream'},
    });
  }, handlers, options);
}

/** Reads SSE frames from a byte stream until it ends or an end frame says so. */
async function readEvents(body, dispatch) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let name = null;
  let id = null;
  let data = [];
  for (;;) {
    const {value, done} = await reader.read();
    if (done) return null;
    buffer += value;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      if (line === '') {
        if (name !== null || data.length) {
          const outcome = dispatch(name || 'message', data.join('\n'), id);
          if (outcome) {
            reader.cancel();
            return outcome;
          }
        }
        name = null;
        id = null;
        data = [];
      } else if (line.startsWith(':')) {
        // a heartbeat
      } else if (line.startsWith('event:')) {
        name = line.slice(6).trim();
      } else if (line.startsWith('id:')) {
        id = line.slice(3).trim();
      } else if (line.startsWith('data:')) {
        data.push(line.slice(5).replace(/^ /, ''));
      }
    }
  }
}

/**
 * The subject and roles a stream ticket names (docs/api.md: a ticket names the principal who asked
 * for it). Only a hint for the page, to hide buttons that would be refused; the node decides.
 */
export function principalOf(ticket) {
  try {
    const payload = ticket.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload));
    return {subject: claims.sub, tenant: claims.tenant, roles: claims.roles || []};
  } catch (notAJwt) {
    return null;
  }
}
