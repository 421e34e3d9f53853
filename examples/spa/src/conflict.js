// Conflict regions in a page's text, as the SDK writes them (docs/CLI.md, `put`):
//   <<<<<<< this device
//   ...our lines...
//   ||||||| base            (optional: diff3 style)
//   ...base lines...
//   =======
//   ...their lines...
//   >>>>>>> other device
// Line arrays keep their "\n", so joining them gives the text back byte for byte.

const splitLines = (text) => text.match(/[^\n]*\n|[^\n]+$/g) || [];

export function findConflicts(text) {
  const lines = splitLines(text);
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('<<<<<<< ') && lines[i] !== '<<<<<<<\n') continue;
    let base = -1, sep = -1, end = -1;
    for (let j = i + 1; j < lines.length; j++) {
      if (lines[j].startsWith('<<<<<<<')) break;
      if (lines[j].startsWith('|||||||') && sep < 0 && base < 0) base = j;
      else if (lines[j] === '=======\n' || lines[j] === '=======') { if (sep < 0) sep = j; }
      else if (lines[j].startsWith('>>>>>>>') && sep >= 0) { end = j; break; }
    }
    if (sep < 0 || end < 0) continue;
    out.push({
      start: i,
      end,
      ours: lines.slice(i + 1, base >= 0 ? base : sep),
      theirs: lines.slice(sep + 1, end),
      oursLabel: lines[i].slice(8).trim() || 'this device',
      theirsLabel: lines[end].slice(8).trim() || 'other device',
    });
    i = end;
  }
  return out;
}

// The text with conflict number `index` replaced by `choice`: 'ours', 'theirs' or 'both'.
export function resolveConflict(text, index, choice) {
  const lines = splitLines(text);
  const c = findConflicts(text)[index];
  if (!c) return text;
  const ensureNl = (ls) => ls.map((l, k) => (k === ls.length - 1 && !l.endsWith('\n') ? l + '\n' : l));
  const keep = choice === 'ours' ? c.ours : choice === 'theirs' ? c.theirs : [...ensureNl(c.ours), ...c.theirs];
  return [...lines.slice(0, c.start), ...keep, ...lines.slice(c.end + 1)].join('');
}

// 1-based line numbers of conflict markers (for the editor's banner).
export function markerLines(text) {
  return findConflicts(text).map((c) => c.start + 1);
}
