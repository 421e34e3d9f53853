// From the module's HTML (md4c, raw HTML escaped) to DOM nodes that are safe to insert:
// DOMPurify first (scripts, event handlers, styles, forms and frames go), then links and images
// are rewritten here. Nothing from a page reaches innerHTML: DOMPurify returns a fragment.
//
// Links: http(s) open in a new tab without a referrer; relative links and wiki links become
// in-app links (data-page / data-wiki, handled by the page's click handler); #anchors stay;
// any other scheme (javascript:, data:, mailto:, vbscript:, ...) loses its href.
// Images: never loaded. An image URL would be a request that names what is being read (to this
// server, or to another host that CSP blocks anyway), so an image becomes its alt text.
import DOMPurify from 'dompurify';

const purifier = DOMPurify(window);
// Runs inside DOMPurify's inert document, before the fragment is imported into this one: an
// <img> imported with its src would start loading at once.
purifier.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'IMG') {
    node.setAttribute('data-alt', node.getAttribute('alt') || '');
    node.removeAttribute('src');
  }
});
const CONFIG = {
  RETURN_DOM_FRAGMENT: true,
  ADD_TAGS: ['x-wikilink'],
  ALLOW_DATA_ATTR: false,
  ADD_ATTR: ['data-target', 'data-alt'],
  FORBID_TAGS: ['style', 'form', 'button', 'textarea', 'select', 'iframe', 'object', 'embed', 'svg', 'math',
                'video', 'audio', 'source', 'track', 'picture'],
  FORBID_ATTR: ['style', 'id', 'name', 'srcset', 'formaction'],
};

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

// A Markdown link's target resolved against the page's directory ("a/b.md" + "../c.md" = "c.md");
// null when it climbs above the root (the SDK's resolve_link_path rule).
export function resolveRelative(pagePath, target) {
  const t = target.split('#')[0].split('?')[0];
  if (t === '') return null;
  const parts = t.startsWith('/') ? [] : pagePath.split('/').slice(0, -1);
  for (const seg of t.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else {
      let decoded = seg;
      try { decoded = decodeURIComponent(seg); } catch { /* keep as written */ }
      parts.push(decoded);
    }
  }
  return parts.length ? parts.join('/') : null;
}

function rewriteLink(a, pagePath) {
  if (!a.hasAttribute('href')) {  // DOMPurify dropped it (javascript:, data:, ...)
    a.classList.add('neutralized');
    a.setAttribute('title', 'This link was removed: its scheme is not allowed');
    return;
  }
  const href = a.getAttribute('href').trim();
  a.removeAttribute('target');
  const scheme = SCHEME.exec(href);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s === 'http' || s === 'https') {
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer nofollow');
      a.classList.add('external');
      return;
    }
    neutralize(a, href, 'links with the ' + s + ': scheme are disabled');
    return;
  }
  if (href.startsWith('//')) { neutralize(a, href, 'links to another host without a scheme are disabled'); return; }
  if (href === '' || href.startsWith('#')) return;
  const target = resolveRelative(pagePath, href);
  if (!target) { neutralize(a, href, 'this link points outside the wiki'); return; }
  a.setAttribute('href', '#');
  a.dataset.page = target;
  a.classList.add('internal');
}

function neutralize(a, href, why) {
  a.removeAttribute('href');
  a.classList.add('neutralized');
  a.setAttribute('title', why + ': ' + href.slice(0, 200));
}

function replaceImage(img) {
  const span = document.createElement('span');
  span.className = 'image-placeholder';
  const alt = img.getAttribute('data-alt') || img.getAttribute('alt') || '';
  span.textContent = alt ? 'Image: ' + alt : 'Image';
  span.setAttribute('title', 'Images are not loaded: fetching one would tell a server what you are reading');
  img.replaceWith(span);
}

function replaceWikiLink(el) {
  const a = document.createElement('a');
  a.href = '#';
  a.className = 'wikilink';
  a.dataset.wiki = el.getAttribute('data-target') || el.textContent;
  a.textContent = el.textContent;
  el.replaceWith(a);
}

// Sanitized DOM for `html` of the page at `pagePath`.
export function sanitizedFragment(html, pagePath) {
  const frag = purifier.sanitize(html, CONFIG);
  for (const el of frag.querySelectorAll('x-wikilink')) replaceWikiLink(el);
  for (const a of frag.querySelectorAll('a:not(.wikilink)')) rewriteLink(a, pagePath);
  for (const img of frag.querySelectorAll('img')) replaceImage(img);
  for (const input of frag.querySelectorAll('input')) {
    if (input.getAttribute('type') !== 'checkbox') input.remove();
    else input.setAttribute('disabled', '');
  }
  return frag;
}
