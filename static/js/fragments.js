// Text fragments (#:~:text=) that land on the page as the browser sees it.
// Mirrors app/web/fragments.py: context never crosses a block (paragraph, heading, list item),
// passages across blocks or longer than EXACT_MAX_CHARS are textStart,textEnd ranges, and
// every directive is checked by running the spec's search over the page's blocks.

export const EXACT_MAX_CHARS = 150;
const RANGE_WORDS = 4;
const CONTEXT_WORDS = 3;
const MAX_TERM_WORDS = 12;

const WORD = /[\p{L}\p{N}]/u;
const isWordChar = (c) => c !== undefined && WORD.test(c);
const words = (s) => s.split(/\s+/).filter(Boolean);
const norm = (s) => s.replace(/\s+/g, " ").trim();

// "-", "," and "&" are the directive's syntax: percent-encode them inside terms.
const encode = (term) => encodeURIComponent(term).replace(/-/g, "%2D");

export function directiveString(d) {
  const parts = d.prefix ? [`${encode(d.prefix)}-`] : [];
  parts.push(encode(d.textStart));
  if (d.textEnd) parts.push(encode(d.textEnd));
  if (d.suffix) parts.push(`-${encode(d.suffix)}`);
  return `text=${parts.join(",")}`;
}

function wordEdges(text, start, end) {
  while (start > 0 && start < text.length && isWordChar(text[start - 1]) && isWordChar(text[start])) start -= 1;
  while (end > 0 && end < text.length && isWordChar(text[end - 1]) && isWordChar(text[end])) end += 1;
  while (start < end && /\s/.test(text[start])) start += 1;
  while (end > start && /\s/.test(text[end - 1])) end -= 1;
  return [start, end];
}

const boundary = (hay, i) => i <= 0 || i >= hay.length || !(isWordChar(hay[i - 1]) && isWordChar(hay[i]));

function findAll(hay, needle, from = 0) {
  const found = [];
  for (let i = hay.indexOf(needle, from); i !== -1; i = hay.indexOf(needle, i + 1)) {
    if (boundary(hay, i) && boundary(hay, i + needle.length)) found.push(i);
  }
  return found;
}

function endsWithPrefix(hay, at, prefix) {
  const before = hay.slice(0, at).trimEnd();
  return before.endsWith(prefix) && boundary(hay, before.length - prefix.length);
}

function startsWithSuffix(hay, at, suffix) {
  const after = hay.slice(at);
  const skipped = after.length - after.trimStart().length;
  return after.trimStart().startsWith(suffix) && boundary(hay, at + skipped + suffix.length);
}

/** Where a browser lands: [startBlock, startOffset, endBlock, endOffset] or null. */
export function firstMatch(blocks, d) {
  const hays = blocks.map((b) => norm(b.text).toLowerCase());
  const start = d.textStart.toLowerCase();
  const end = (d.textEnd || "").toLowerCase();
  const prefix = (d.prefix || "").toLowerCase();
  const suffix = (d.suffix || "").toLowerCase();
  for (let bi = 0; bi < hays.length; bi += 1) {
    for (const s of findAll(hays[bi], start)) {
      if (prefix && !endsWithPrefix(hays[bi], s, prefix)) continue;
      if (!end) {
        const e = s + start.length;
        if (!suffix || startsWithSuffix(hays[bi], e, suffix)) return [bi, s, bi, e];
        continue;
      }
      for (let bj = bi; bj < hays.length; bj += 1) {
        for (const f of findAll(hays[bj], end, bj === bi ? s + start.length : 0)) {
          const e = f + end.length;
          if (!suffix || startsWithSuffix(hays[bj], e, suffix)) return [bi, s, bj, e];
        }
      }
    }
  }
  return null;
}

const blockAt = (blocks, offset) =>
  blocks.findIndex((b) => b.start !== null && b.start <= offset && offset < b.start + b.text.length);

function normOffset(block, offset) {
  const raw = block.text.slice(0, offset - block.start);
  const lead = block.text.length - block.text.trimStart().length;
  return (raw.length >= lead ? raw.slice(lead) : "").replace(/\s+/g, " ").length;
}

/** The shortest directive whose first match is article text [start, end), or null. */
export function textDirective(blocks, start, end) {
  const bi = blockAt(blocks, start);
  const bj = blockAt(blocks, Math.max(start, end - 1));
  if (bi < 0 || bj < 0) return null;
  const first = blocks[bi];
  const last = blocks[bj];
  const sLocal = wordEdges(first.text, start - first.start, first.text.length)[0];
  const eLocal = wordEdges(last.text, 0, end - last.start)[1];
  if (bi === bj && eLocal <= sLocal) return null;
  const before = words(first.text.slice(0, sLocal));
  const after = words(last.text.slice(eLocal));
  const head = bi === bj ? words(first.text.slice(sLocal, eLocal)) : words(first.text.slice(sLocal));
  const tail = bi === bj ? head : words(last.text.slice(0, eLocal));
  const expected = [bi, normOffset(first, first.start + sLocal), bj, normOffset(last, last.start + eLocal)];
  const single = bi === bj && head.join(" ").length <= EXACT_MAX_CHARS;
  for (let extra = 0; extra < MAX_TERM_WORDS; extra += 1) {
    const ctx = Math.min(CONTEXT_WORDS + extra, MAX_TERM_WORDS);
    const prefix = before.slice(-ctx).join(" ");
    const suffix = after.slice(0, ctx).join(" ");
    const n = RANGE_WORDS + extra;
    let d;
    if (single || (bi === bj && 2 * n >= head.length)) {
      d = { textStart: head.join(" "), textEnd: "", prefix, suffix };
    } else {
      d = { textStart: head.slice(0, n).join(" "), textEnd: tail.slice(-n).join(" "), prefix, suffix };
    }
    const found = firstMatch(blocks, d);
    if (found && found.every((v, i) => v === expected[i])) return d;
  }
  return null;
}

/** "#:~:text=..." for article text [start, end), or "" when no directive lands on it. */
export function textFragment(blocks, start, end) {
  const d = textDirective(blocks, start, end);
  return d ? `#:~:${directiveString(d)}` : "";
}

/** The article page's blocks in page order: the title, then every block of article text. */
export function pageBlocks(container, text) {
  const title = document.getElementById("article-title");
  const blocks = title ? [{ text: title.textContent, start: null }] : [];
  for (const el of container.querySelectorAll("[data-start][data-end]")) {
    const start = Number(el.dataset.start);
    blocks.push({ text: text.slice(start, Number(el.dataset.end)), start });
  }
  return blocks;
}
