// The logged-in app: shell (search, page tree, actions), page view, editor, history and search
// results. Every page operation is a call to the worker; rendering is sanitized (render.js).
import { h, clear, $, formatTime, formatBytes, highlightRuns } from './dom.js';
import { sanitizedFragment } from './render.js';
import { viewEditor } from './editor.js';
import { viewHistory } from './history.js';
import { buildTree, renderTree } from './tree.js';

const SYNC_EVERY_MS = 60_000;

export class Wiki {
  constructor(root, app, me) {
    this.root = root;
    this.app = app;
    this.me = me;
    this.call = (op, args) => app.session.call(op, args);
    this.pages = new Map();  // path -> PageSummary (live pages)
    this.current = null;     // the route on screen
    this.editing = false;    // no background sync while an edit is open
    this.searchSeq = 0;
    this.features = { search: false };
  }

  async open() {
    this.renderShell();
    this.features = await this.call('features');
    if (!this.features.search) {
      this.searchInput.placeholder = 'Search is not in this build of the module';
      this.searchInput.disabled = true;
    }
    // What this device already holds shows at once; the sync runs after (a new device fetches
    // and verifies every page's head first, which takes a while for a large wiki).
    await this.refresh();
    const firstPage = () => [...this.pages.keys()].sort()[0];
    const known = firstPage();
    if (known) this.app.go({ view: 'page', path: known }, { replace: true });
    else clear(this.main, h('h1', { text: 'Syncing' }),
      h('p', { role: 'status', text: 'Fetching and verifying this account’s pages from the server…' }),
      h('progress', { 'aria-label': 'Syncing' }));
    await this.sync({ quiet: true });
    if (!known) {
      const first = firstPage();
      this.app.go(first ? { view: 'page', path: first } : { view: 'welcome' }, { replace: true });
    }
    this.timer = setInterval(() => { if (!this.editing && !document.hidden) this.sync({ quiet: true }); }, SYNC_EVERY_MS);
  }

  stop() { clearInterval(this.timer); this.timer = null; }

  renderShell() {
    this.searchInput = h('input', {
      id: 'search', type: 'search', autocomplete: 'off', spellcheck: 'false', placeholder: 'Search pages',
      'aria-controls': 'main', 'aria-describedby': 'search-hint',
    });
    this.searchInput.addEventListener('input', () => this.onSearchInput());
    this.searchInput.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { this.searchInput.value = ''; this.onSearchInput(); }
      if (e.key === 'Enter') {
        e.preventDefault();
        clearTimeout(this.searchTimer);
        this.openFirstResult(this.searchInput.value);
      }
    });
    this.tree = h('nav', { id: 'tree', 'aria-label': 'Pages' });
    this.main = h('main', { id: 'main', tabindex: '-1' });
    this.syncButton = h('button', { type: 'button', text: 'Sync', onclick: () => this.sync({}) });
    clear(this.root,
      h('header', { class: 'topbar' },
        h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true', text: 'zk' }), 'zkwiki'),
        h('form', { role: 'search', class: 'search', onsubmit: (e) => e.preventDefault() },
          h('label', { for: 'search', class: 'visually-hidden', text: 'Search pages' }), this.searchInput,
          h('span', { id: 'search-hint', class: 'visually-hidden', text: 'Results appear as you type; Enter opens the first.' })),
        h('div', { class: 'toolbar' },
          h('button', { type: 'button', class: 'primary', text: 'New page', onclick: () => this.app.go({ view: 'new' }) }),
          this.syncButton,
          h('span', { class: 'whoami', title: 'Account ' + this.me.account + ', fingerprint ' + this.me.fingerprint,
                      text: this.me.account.slice(0, 8) + '…' }),
          h('button', { type: 'button', class: 'logout', text: 'Log out', onclick: () => this.app.logOut() }))),
      h('div', { class: 'layout' }, this.tree, this.main));
    // In-app links anywhere in the app: page links, wiki links, search results.
    this.root.addEventListener('click', (e) => {
      const a = e.target.closest('a[data-page], a[data-wiki]');
      if (!a || e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      if (a.dataset.page) this.openPath(a.dataset.page);
      else this.openWikiTarget(a.dataset.wiki);
    });
  }

  async sync({ quiet }) {
    this.syncButton.disabled = true;
    try {
      const report = await this.call('sync');
      await this.refresh();
      if (report.quarantined && report.quarantined.length)
        this.app.notify(report.quarantined.length + ' object(s) from the server failed verification and were not shown.', 'warn');
      else if (!quiet) this.app.notify('Synced: ' + report.pagesUpdated + ' page(s) updated.', 'ok');
      return report;
    } catch (err) {
      if (!quiet || err.code !== 'io') this.app.showError(err, 'Sync failed');
      await this.refresh().catch(() => {});
      return null;
    } finally {
      this.syncButton.disabled = false;
    }
  }

  async refresh() {
    const list = await this.call('list');
    this.pages = new Map(list.filter((p) => !p.deleted).map((p) => [p.path, p]));
    this.renderTree();
  }

  renderTree() {
    const currentPath = this.current && this.current.path;
    renderTree(this.tree, buildTree([...this.pages.values()]), currentPath);
  }

  // A wiki link names a page by path, file name (without .md) or title, as the SDK's backlinks do.
  resolveWiki(target) {
    const t = target.split('#')[0].trim();
    if (this.pages.has(t)) return t;
    if (this.pages.has(t + '.md')) return t + '.md';
    const lower = t.toLowerCase();
    for (const p of this.pages.values()) {
      const stem = p.path.split('/').pop().replace(/\.[^.]*$/, '').toLowerCase();
      if (stem === lower || (p.title && p.title.toLowerCase() === lower)) return p.path;
    }
    return null;
  }

  openPath(path) {
    if (this.pages.has(path)) this.app.go({ view: 'page', path });
    else this.app.go({ view: 'new', path });
  }

  openWikiTarget(target) {
    const path = this.resolveWiki(target);
    if (path) this.app.go({ view: 'page', path });
    else this.app.go({ view: 'new', path: target.split('#')[0].trim().replace(/\.md$/, '') + '.md' });
  }

  show(route) {
    this.current = route;
    this.editing = route.view === 'edit' || route.view === 'new';
    if (route.view !== 'search' && this.searchInput.value && document.activeElement !== this.searchInput)
      this.searchInput.value = '';
    this.renderTree();
    const run = {
      page: () => this.viewPage(route.path, route.revision),
      edit: () => viewEditor(this, route),
      new: () => viewEditor(this, route),
      history: () => viewHistory(this, route),
      search: () => this.viewSearch(route.query),
      welcome: () => this.viewWelcome(),
    }[route.view] || (() => this.viewWelcome());
    Promise.resolve(run()).catch((err) => this.app.showError(err));
  }

  focusHeading() {
    const h1 = this.main.querySelector('h1');
    if (h1) { h1.setAttribute('tabindex', '-1'); h1.focus({ preventScroll: true }); }
  }

  viewWelcome() {
    clear(this.main,
      h('h1', { text: 'Your wiki is empty' }),
      h('p', { text: 'Create a first page. Everything you write is encrypted in this tab before it is sent.' }),
      h('button', { type: 'button', class: 'primary', text: 'New page', onclick: () => this.app.go({ view: 'new' }) }));
    this.focusHeading();
  }

  async viewPage(path, revision) {
    const summary = this.pages.get(path);
    const [page, backlinks] = await Promise.all([
      this.call('read', { path, revision }),
      revision ? Promise.resolve(null) : this.call('backlinks', { path }).catch(() => []),
    ]);
    if (this.current.path !== path) return;  // navigated away meanwhile
    const html = await this.call('render', { markdown: page.body });
    const body = h('div', { class: 'markdown' });
    body.append(sanitizedFragment(html, path));
    for (const a of body.querySelectorAll('a.wikilink, a[data-page]')) {
      if (a.dataset.wiki ? this.resolveWiki(a.dataset.wiki) : this.pages.has(a.dataset.page)) continue;
      a.classList.add('missing');
      a.setAttribute('title', 'No page yet: follow the link to create it');
    }
    // The title is the page's header; a first "# Title" that repeats it is not shown twice.
    const first = body.firstElementChild;
    if (first && first.tagName === 'H1' && page.title && first.textContent.trim() === page.title) first.remove();
    const older = revision && summary && revision < summary.revision;
    clear(this.main,
      h('article', { class: 'page' },
        h('header', { class: 'page-header' },
          h('h1', { text: page.title || path.split('/').pop() }),
          h('p', { class: 'meta' },
            h('span', { class: 'path', text: path }),
            summary ? h('span', { text: ' · revision ' + (revision || summary.revision) }) : null,
            h('span', { text: ' · ' + formatTime(page.modifiedMs) }),
            summary ? h('span', { text: ' · ' + formatBytes(summary.size) }) : null),
          older ? h('p', { class: 'notice warn', text: 'An older revision (' + revision + ' of ' + summary.revision + ').' }) : null,
          h('div', { class: 'toolbar' },
            older ? null : h('button', { type: 'button', class: 'primary', text: 'Edit', onclick: () => this.app.go({ view: 'edit', path }) }),
            h('button', { type: 'button', text: 'History', onclick: () => this.app.go({ view: 'history', path }) }),
            older ? h('button', { type: 'button', text: 'Current revision', onclick: () => this.app.go({ view: 'page', path }) }) : null)),
        body,
        backlinks === null ? null : h('section', { class: 'backlinks', 'aria-labelledby': 'backlinks-h' },
          h('h2', { id: 'backlinks-h', text: 'Backlinks' }),
          backlinks.length === 0 ? h('p', { class: 'hint', text: 'No page links here.' })
            : h('ul', {}, backlinks.map((p) => h('li', {},
              h('a', { href: '#', dataset: { page: p }, text: (this.pages.get(p) && this.pages.get(p).title) || p })))))));
    this.focusHeading();
  }

  onSearchInput() {
    const q = this.searchInput.value;
    clearTimeout(this.searchTimer);
    if (!q.trim()) {
      if (this.current && this.current.view === 'search') history.back();
      return;
    }
    this.searchTimer = setTimeout(() => {
      if (this.current && this.current.view === 'search') {
        this.current.query = q;
        this.viewSearch(q);
      } else {
        this.app.go({ view: 'search', query: q });
      }
    }, 120);
  }

  // Enter opens the best match for what the box holds now, not for whatever results happen to be
  // on screen from an earlier keystroke; any search still in flight is dropped so its results
  // cannot replace the page that opens.
  async openFirstResult(query) {
    if (!query.trim()) return;
    const seq = ++this.searchSeq;
    let out;
    try { out = await this.call('search', { query, limit: 1 }); } catch (err) {
      if (seq === this.searchSeq) this.app.showError(err, 'Search failed');
      return;
    }
    if (seq !== this.searchSeq) return;
    ++this.searchSeq;
    if (out.available && out.results.length) this.openPath(out.results[0].path);
  }

  async viewSearch(query) {
    const seq = ++this.searchSeq;
    let out;
    try { out = await this.call('search', { query, limit: 20 }); } catch (err) {
      if (seq !== this.searchSeq) return;
      clear(this.main, h('h1', { text: 'Search' }), h('p', { class: 'notice error', text: err.message }));
      return;
    }
    // A newer query is on its way, or the user has left the results meanwhile.
    if (seq !== this.searchSeq || !this.current || this.current.view !== 'search') return;
    if (!out.available) {
      clear(this.main, h('h1', { text: 'Search' }),
        h('p', { class: 'notice warn', text: 'Search is not available in this build of the module.' }));
      return;
    }
    const n = out.results.length;
    clear(this.main,
      h('h1', { text: 'Search' }),
      h('p', { class: 'result-count', role: 'status', text: n === 0 ? 'No page matches.' : n + (n === 1 ? ' page matches.' : ' pages match.') }),
      coverageNote(out.coverage),
      h('ol', { class: 'results' }, out.results.map((r) => h('li', {},
        h('a', { href: '#', dataset: { page: r.path } }, h('span', { class: 'title', text: r.title || r.path })),
        h('span', { class: 'path', text: r.path }),
        r.snippet ? h('p', { class: 'snippet' }, snippetNodes(r.snippet, r.highlights))
          : h('p', { class: 'hint', text: 'No snippet: this device does not hold the page’s text yet.' }),
        r.phraseUnverified ? h('p', { class: 'hint', text: 'The words match; their order could not be checked here.' }) : null))));
  }
}

function coverageNote(c) {
  if (!c || !c.known || c.indexed >= c.known) return null;
  return h('p', { class: 'hint', text: 'The index covers ' + c.indexed + ' of ' + c.known + ' pages on this device.' });
}

function snippetNodes(text, ranges) {
  return highlightRuns(text, ranges).map(([t, marked]) => (marked ? h('mark', { text: t }) : t));
}
