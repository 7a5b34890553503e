// Building the page from data. Everything the API returns (agent output above all) is untrusted:
// it only ever becomes text (textContent, attribute values set one by one), never HTML.

export const $ = id => document.getElementById(id);

/**
 * An element: `attrs` are set as properties (`className`, `href`, `type`, `title`, `disabled`,
 * `hidden`, `colSpan`), `dataFoo` as data-foo, `onclick` as a listener; children are nodes or
 * strings (as text nodes).
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (/^data[A-Z]/.test(key)) {
      node.dataset[key[4].toLowerCase() + key.slice(5)] = String(value);
    } else if (key === 'onclick') {
      node.addEventListener('click', value);
    } else if (['className', 'href', 'type', 'title', 'disabled', 'hidden', 'colSpan'].includes(key)) {
      node[key] = value;
    } else {
      throw new Error(`el: unsupported attribute ${key}`);
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces the children of `node`. */
export function fill(node, ...children) {
  node.replaceChildren(...children.flat().filter(c => c !== null && c !== undefined));
}

/** A table body's rows, or one row saying there is nothing. */
export function rows(tbody, items, render, emptyText) {
  if (!items.length) {
    const columns = tbody.closest('table').querySelectorAll('thead th').length || 1;
    fill(tbody, el('tr', {className: 'empty'}, el('td', {colSpan: columns}, emptyText)));
    return;
  }
  fill(tbody, items.map(render));
}

/** Shows `message` in `node` (hidden when null). */
export function showError(node, message) {
  node.textContent = message || '';
  node.hidden = !message;
}

export function text(value) {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function shortHash(hash) {
  return hash ? `${hash.slice(0, 10)}…` : '—';
}

export function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
}

/** A link to the session console of `id`. */
export function sessionLink(id) {
  return el('a', {href: `#/console/${encodeURIComponent(id)}`, className: 'mono'}, id);
}
