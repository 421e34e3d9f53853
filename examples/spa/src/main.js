// zkwiki's web app: the page's thread. Screens, navigation and the DOM live here; the client
// (keys, pages, crypto, search, Markdown) lives in a worker (worker.js), reached through rpc.js.
//
// Navigation is kept in memory: the address bar stays /app/ and the browser history holds opaque
// numbers, so no page path or search term is written into the URL, the history or the referrer.
import { h, clear, $ } from './dom.js';
import { viewLogin, viewSignup } from './auth.js';
import { Wiki } from './wiki.js';

const root = document.getElementById('app');
const status = document.getElementById('status');
// How much of the viewport's bottom the floating notices take: the editor's action bar sticks
// above it (style.css), so a notice never covers Save.
new ResizeObserver(() => {
  const room = status.firstChild ? window.innerHeight - status.getBoundingClientRect().top + 8 : 0;
  document.documentElement.style.setProperty('--status-room', Math.max(0, Math.ceil(room)) + 'px');
}).observe(status);

export const app = {
  session: null,
  wiki: null,
  routes: [],
  notify,
  showError,
  start,
  logOut,
  go,
};

// A message in the status region (aria-live): 'info', 'ok', 'warn' or 'error'.
function notify(text, kind = 'info') {
  const sticky = kind === 'error' || kind === 'warn';
  clear(status, h('p', { class: 'notice ' + kind, role: kind === 'error' ? 'alert' : null }, text,
    sticky ? h('button', { type: 'button', class: 'small dismiss', text: 'Dismiss', onclick: () => clear(status) }) : null));
  if (!sticky) {
    const shown = status.firstChild;
    setTimeout(() => { if (status.firstChild === shown) clear(status); }, 6000);
  }
}

const MESSAGES = {
  wrong_passphrase: 'Wrong passphrase for this account.',
  not_found: 'Not found.',
  io: 'The server cannot be reached. Check your connection and try again.',
  auth_failed: 'Something the server sent did not verify: nothing was shown from it.',
  weak_parameters: 'This account’s key derivation parameters are below the safe minimum.',
  conflict: 'Something already exists there.',
  forbidden: 'Not allowed for this account.',
  expired: 'The session expired: log in again.',
};

function showError(err, context) {
  const what = MESSAGES[err && err.code];
  const detail = err && err.message ? err.message : String(err);
  notify((context ? context + ': ' : '') + (what ? what + ' (' + detail + ')' : detail), 'error');
}

// In-memory navigation: route objects in `app.routes`, the history entry holds the index only.
function go(route, { replace = false } = {}) {
  if (replace && history.state && Number.isInteger(history.state.n)) {
    app.routes[history.state.n] = route;
    history.replaceState({ n: history.state.n }, '', location.pathname);
  } else {
    app.routes.push(route);
    history.pushState({ n: app.routes.length - 1 }, '', location.pathname);
  }
  show(route);
}

window.addEventListener('popstate', (e) => {
  const n = e.state && e.state.n;
  const route = Number.isInteger(n) ? app.routes[n] : null;
  if (route) show(route);
});

function show(route) {
  if (!app.session || !app.wiki) {
    if (route.view === 'signup') viewSignup(root, app);
    else viewLogin(root, app);
    return;
  }
  app.wiki.show(route);
}

// After sign-up or log-in: the app's shell, a first sync, the page tree.
async function start(session, me) {
  clear(status);
  app.session = session;
  app.wiki = new Wiki(root, app, me);
  await app.wiki.open();
}

async function logOut(message) {
  const s = app.session;
  if (app.wiki) app.wiki.stop();
  app.session = null;
  app.wiki = null;
  app.routes = [];
  clear(root);
  if (s) await s.end().catch(() => {});
  go({ view: 'login' }, { replace: true });
  notify(message || 'Logged out. The account’s keys were wiped from memory.', 'ok');
}

// The tab is closing or going into the back/forward cache: wipe the keys now, and drop the page
// text from the DOM so a cached snapshot holds none. A restored snapshot starts over.
window.addEventListener('pagehide', () => {
  if (app.wiki) app.wiki.stop();
  if (app.session) app.session.wipeNow();
  app.session = null;
  app.wiki = null;
  clear(root);
});
window.addEventListener('pageshow', (e) => { if (e.persisted) location.reload(); });

// First screen.
history.replaceState({ n: 0 }, '', location.pathname);
app.routes = [{ view: 'login' }];
show(app.routes[0]);
$('#skip').addEventListener('click', (e) => {
  e.preventDefault();
  const main = $('#main');
  if (main) main.focus();
});
