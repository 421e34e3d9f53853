// A page's history: its revisions (newest first) and the unified diff of the one selected
// against the one before it, with old and new line numbers. Restoring writes the old text as a
// new revision; nothing is rewritten.
import { h, clear, formatTime, formatBytes } from './dom.js';

export async function viewHistory(wiki, route) {
  const { path } = route;
  const revisions = (await wiki.call('log', { path })).sort((a, b) => b.revision - a.revision);
  if (wiki.current !== route) return;
  const head = revisions.length ? revisions[0].revision : 0;
  const selected = route.revision || head;
  const diffBox = h('section', { class: 'diff', 'aria-labelledby': 'diff-h' });
  const items = revisions.map((r) => {
    const button = h('button', {
      type: 'button', class: 'revision', 'aria-pressed': String(r.revision === selected),
      onclick: () => { route.revision = r.revision; select(r); },
    },
    h('span', { class: 'rev', text: 'r' + r.revision }),
    h('span', { class: 'when', text: formatTime(r.timeMs) }),
    h('span', { class: 'who', title: 'Author fingerprint', text: r.author === wiki.me.fingerprint ? 'you' : shortAuthor(r.author) }),
    h('span', { class: 'size', text: r.deleted ? 'deleted' : formatBytes(r.size) }));
    return [r, button];
  });

  const select = async (r) => {
    for (const [x, b] of items) b.setAttribute('aria-pressed', String(x.revision === r.revision));
    clear(diffBox, h('h2', { id: 'diff-h', text: 'Revision ' + r.revision + (r.revision > 1 ? ' against ' + (r.revision - 1) : ' (created)') }),
      h('p', { class: 'hint', text: 'Loading…' }));
    let d;
    try { d = await wiki.call('diff', { path, a: r.revision - 1, b: r.revision }); } catch (err) {
      clear(diffBox, h('p', { class: 'notice error', text: err.message }));
      return;
    }
    if (route.revision !== undefined && route.revision !== r.revision) return;
    clear(diffBox,
      h('h2', { id: 'diff-h', text: 'Revision ' + r.revision + (r.revision > 1 ? ' against ' + (r.revision - 1) : ' (created)') }),
      h('p', { class: 'diff-stat' },
        h('span', { class: 'added', text: '+' + d.added }), ' ', h('span', { class: 'removed', text: '−' + d.removed }),
        r.path !== path ? ' · at ' + r.path : null),
      h('div', { class: 'toolbar' },
        h('button', { type: 'button', text: 'View revision ' + r.revision,
                      onclick: () => wiki.app.go({ view: 'page', path, revision: r.revision }) }),
        r.revision < head && !r.deleted ? h('button', { type: 'button', text: 'Restore revision ' + r.revision, onclick: () => restore(r) }) : null),
      d.hunks.length === 0 ? h('p', { class: 'hint', text: 'No change to the text (metadata only).' }) : diffTable(d));
  };

  const restore = async (r) => {
    try {
      const out = await wiki.call('restore', { path, revision: r.revision });
      await wiki.refresh();
      wiki.app.notify('Restored: revision ' + r.revision + '’s text is now revision ' + out.revision + '.', 'ok');
      wiki.app.go({ view: 'page', path }, { replace: true });
    } catch (err) { wiki.app.showError(err, 'Not restored'); }
  };

  const summary = wiki.pages.get(path);
  clear(wiki.main,
    h('h1', { text: 'History: ' + ((summary && summary.title) || path) }),
    h('p', { class: 'meta' }, h('span', { class: 'path', text: path }), ' · ' + revisions.length + ' revision(s) · ',
      h('a', { href: '#', dataset: { page: path }, text: 'back to the page' })),
    h('div', { class: 'history' },
      h('ol', { class: 'revisions', 'aria-label': 'Revisions' }, items.map(([, b]) => h('li', {}, b))),
      diffBox));
  wiki.main.querySelector('h1').focus();
  const first = revisions.find((r) => r.revision === selected);
  if (first) await select(first);
}

function shortAuthor(a) {
  return a.startsWith('unknown:') ? 'unknown key' : a.slice(0, 14) + '…';
}

// A unified diff as a table: old line, new line, sign, text; one header row per hunk.
function diffTable(d) {
  const rows = [];
  for (const hunk of d.hunks) {
    rows.push(h('tr', { class: 'hunk' }, h('td', { colspan: 4, text: '@@ −' + hunk.oldStart + ',' + hunk.oldCount + ' +' + hunk.newStart + ',' + hunk.newCount + ' @@' })));
    for (const l of hunk.lines) {
      const sign = l.op === 'added' ? '+' : l.op === 'removed' ? '−' : ' ';
      rows.push(h('tr', { class: l.op },
        h('td', { class: 'ln', text: l.oldLine || '' }),
        h('td', { class: 'ln', text: l.newLine || '' }),
        h('td', { class: 'sign', 'aria-label': l.op === 'context' ? null : l.op, text: sign }),
        h('td', { class: 'code', text: l.text.replace(/\n$/, '') + (l.noNewline ? ' ⏎̸' : '') })));
    }
  }
  return h('table', { class: 'diff-table' },
    h('colgroup', {}, h('col', { class: 'ln' }), h('col', { class: 'ln' }), h('col', { class: 'sign' }), h('col', {})),
    h('caption', { class: 'visually-hidden', text: 'Changed lines: removed lines marked −, added lines +' }),
    h('thead', { class: 'visually-hidden' }, h('tr', {}, h('th', { text: 'Old line' }), h('th', { text: 'New line' }), h('th', { text: 'Change' }), h('th', { text: 'Text' }))),
    h('tbody', {}, rows));
}
