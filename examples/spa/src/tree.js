// The page tree: folders from the paths' segments, pages by title. Folders are <details>
// elements whose children are built when first opened, so a wiki of thousands of pages (the
// demo's) draws at once.
import { h, clear } from './dom.js';

export function buildTree(pages) {
  const root = { folders: new Map(), pages: [] };
  for (const p of pages) {
    const segs = p.path.split('/');
    let node = root;
    for (const s of segs.slice(0, -1)) {
      if (!node.folders.has(s)) node.folders.set(s, { folders: new Map(), pages: [] });
      node = node.folders.get(s);
    }
    node.pages.push(p);
  }
  return root;
}

const EAGER = 200;  // open every folder when the wiki is this small

function count(node) {
  let n = node.pages.length;
  for (const f of node.folders.values()) n += count(f);
  return n;
}

function list(node, prefix, currentPath, eager) {
  const ul = h('ul', { role: 'list' });
  const folders = [...node.folders.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  for (const [name, child] of folders) {
    const dir = prefix + name + '/';
    const open = eager || (currentPath && currentPath.startsWith(dir));
    const details = h('details', { open },
      h('summary', {}, h('span', { class: 'folder', text: name }), h('span', { class: 'count', text: String(count(child)) })));
    const fill = () => { if (!details.dataset.filled) { details.dataset.filled = '1'; details.append(list(child, dir, currentPath, eager)); } };
    if (open) fill();
    else details.addEventListener('toggle', fill, { once: true });
    ul.append(h('li', {}, details));
  }
  const pages = [...node.pages].sort((a, b) => (a.title || a.path).localeCompare(b.title || b.path));
  for (const p of pages) {
    const a = h('a', { href: '#', dataset: { page: p.path }, title: p.path,
                       text: p.title || p.path.slice(prefix.length) });
    if (p.path === currentPath) a.setAttribute('aria-current', 'page');
    ul.append(h('li', {}, a));
  }
  return ul;
}

export function renderTree(nav, tree, currentPath) {
  const total = count(tree);
  clear(nav, h('h2', { class: 'tree-title', text: 'Pages (' + total + ')' }),
    total === 0 ? h('p', { class: 'hint', text: 'No pages yet.' }) : list(tree, '', currentPath, total <= EAGER));
}
