// The editor: a textarea with save, a preview, and conflict resolution. A save that meets a
// newer head is merged (by the SDK against the server's head, by the worker against a head this
// device synced meanwhile); overlapping edits come back between markers, and the editor reopens
// on them with one "keep" choice per conflict.
import { h, clear } from './dom.js';
import { sanitizedFragment } from './render.js';
import { findConflicts, resolveConflict } from './conflict.js';

let dirtyGuard = null;
function guardUnsaved(isDirty) {
  if (dirtyGuard) window.removeEventListener('beforeunload', dirtyGuard);
  dirtyGuard = isDirty ? (e) => { if (isDirty()) { e.preventDefault(); e.returnValue = ''; } } : null;
  if (dirtyGuard) window.addEventListener('beforeunload', dirtyGuard);
}

export async function viewEditor(wiki, route) {
  const isNew = route.view === 'new';
  let baseRevision = 0;
  let baseBody = '';
  let title = 'New page';
  if (!isNew) {
    const summary = wiki.pages.get(route.path);
    const page = await wiki.call('read', { path: route.path });
    baseRevision = summary ? summary.revision : 0;
    baseBody = page.body;
    title = 'Edit: ' + (page.title || route.path);
  }
  if (wiki.current !== route) return;
  const initial = isNew ? (route.body || '# ' + suggestTitle(route.path) + '\n\n') : baseBody;

  const pathInput = isNew ? h('input', { id: 'edit-path', required: true, spellcheck: 'false', value: route.path || '',
                                        placeholder: 'notes/my-page.md', 'aria-describedby': 'edit-path-hint' }) : null;
  const text = h('textarea', { id: 'edit-text', spellcheck: 'true', 'aria-label': 'Page text (Markdown)', rows: 24 });
  text.value = initial;
  const banner = h('div', { class: 'conflicts', 'aria-live': 'polite' });
  const preview = h('div', { class: 'markdown preview', hidden: true, 'aria-label': 'Preview' });
  const save = h('button', { type: 'submit', class: 'primary', text: 'Save' });
  const previewButton = h('button', { type: 'button', text: 'Preview', 'aria-pressed': 'false' });
  const outcome = h('p', { class: 'save-outcome', role: 'status' });
  let confirmMarkers = false;

  const showConflicts = () => {
    const conflicts = findConflicts(text.value);
    confirmMarkers = false;
    if (conflicts.length === 0) { clear(banner); return; }
    clear(banner,
      h('p', { class: 'notice warn' },
        h('strong', { text: conflicts.length === 1 ? 'One conflict. ' : conflicts.length + ' conflicts. ' }),
        'This device and another one changed the same lines. Both versions are kept between the markers; keep one side, both, or edit the text, then save.'),
      h('ol', { class: 'conflict-list' }, conflicts.map((c, i) => h('li', {},
        h('span', { text: 'Line ' + (c.start + 1) + ': ' }),
        h('button', { type: 'button', class: 'small', text: 'Keep ' + c.oursLabel, onclick: () => apply(i, 'ours') }),
        h('button', { type: 'button', class: 'small', text: 'Keep ' + c.theirsLabel, onclick: () => apply(i, 'theirs') }),
        h('button', { type: 'button', class: 'small', text: 'Keep both', onclick: () => apply(i, 'both') }),
        h('button', { type: 'button', class: 'small link', text: 'Show', onclick: () => select(c) })))));
  };
  const apply = (i, choice) => { text.value = resolveConflict(text.value, i, choice); showConflicts(); text.focus(); };
  const select = (c) => {
    const lines = text.value.split('\n');
    const start = lines.slice(0, c.start).join('\n').length + (c.start ? 1 : 0);
    const end = lines.slice(0, c.end + 1).join('\n').length;
    text.focus();
    text.setSelectionRange(start, end);
  };
  text.addEventListener('input', () => { if (banner.firstChild || text.value.includes('<<<<<<<')) showConflicts(); });

  previewButton.addEventListener('click', async () => {
    const on = preview.hidden;
    previewButton.setAttribute('aria-pressed', String(on));
    if (on) {
      const html = await wiki.call('render', { markdown: text.value });
      clear(preview).append(sanitizedFragment(html, pathInput ? pathInput.value : route.path));
    }
    preview.hidden = !on;
    text.hidden = on;
  });

  const form = h('form', { class: 'editor', 'aria-label': title },
    pathInput ? h('div', { class: 'field' }, h('label', { for: 'edit-path', text: 'Path' }), pathInput,
      h('p', { class: 'hint', id: 'edit-path-hint', text: 'Folders are separated by “/”, for example projects/roadmap.md.' })) : null,
    banner, text, preview,
    h('div', { class: 'actions' }, save, previewButton,
      h('button', { type: 'button', text: 'Cancel', onclick: () => { guardUnsaved(null); history.back(); } }), outcome));
  form.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 's') { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const path = isNew ? pathInput.value.trim() : route.path;
    if (!path) { wiki.app.notify('Give the page a path.', 'error'); pathInput.focus(); return; }
    if (isNew && wiki.pages.has(path)) { wiki.app.notify('A page exists at ' + path + ': open it to edit.', 'error'); return; }
    if (findConflicts(text.value).length && !confirmMarkers) {
      confirmMarkers = true;
      outcome.textContent = 'The text still has conflict markers. Save again to keep them.';
      return;
    }
    save.disabled = true;
    outcome.textContent = 'Saving…';
    try {
      const out = await wiki.call('save', { path, body: text.value, baseRevision, baseBody });
      guardUnsaved(null);
      await wiki.refresh();
      if (out.conflict) {
        wiki.app.notify('Saved revision ' + out.revision + ' with conflicts: another device changed the same lines. Resolve them below.', 'warn');
        wiki.app.go({ view: 'edit', path, conflict: true }, { replace: true });
      } else {
        const msg = out.unchanged ? 'Nothing changed: no revision written.'
          : out.queued ? 'The server is unreachable: the edit is kept on this device and sent by the next sync.'
          : out.merged ? 'Saved revision ' + out.revision + ': merged with a change another device made meanwhile.'
          : 'Saved revision ' + out.revision + '.';
        wiki.app.notify(msg, out.queued ? 'warn' : 'ok');
        wiki.app.go({ view: 'page', path, merged: out.merged }, { replace: true });
      }
    } catch (err) {
      save.disabled = false;
      outcome.textContent = '';
      wiki.app.showError(err, 'Not saved');
    }
  });

  clear(wiki.main, h('h1', { text: title }), form);
  showConflicts();
  guardUnsaved(() => wiki.current === route && text.value !== initial);
  (pathInput && !pathInput.value ? pathInput : text).focus();
}

function suggestTitle(path) {
  if (!path) return 'Untitled';
  return path.split('/').pop().replace(/\.md$/, '').replace(/[-_]+/g, ' ');
}
