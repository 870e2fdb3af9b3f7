// Map DOM positions inside the article to offsets into the article's plain text.
//
// Every block of article text carries data-start / data-end: its text content (minus elements
// marked data-offset-skip, such as the visually-hidden type names) is exactly
// text.slice(start, end). A DOM boundary point is turned into a text offset by counting the
// characters of the block's text nodes that come before it.

const SKIP = "[data-offset-skip]";

function textNodes(block) {
  const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) =>
      node.parentElement && node.parentElement.closest(SKIP)
        ? NodeFilter.FILTER_REJECT
        : NodeFilter.FILTER_ACCEPT,
  });
  const nodes = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
  return nodes;
}

export function blocks(container) {
  return Array.from(container.querySelectorAll("[data-start][data-end]"));
}

/** The text offset of the boundary point (node, offset) within container. */
export function offsetOf(container, node, offset) {
  const all = blocks(container);
  if (all.length === 0) return 0;
  for (const block of all) {
    const start = Number(block.dataset.start);
    const range = document.createRange();
    range.selectNodeContents(block);
    const where = range.comparePoint(node, offset);
    if (where < 0) return start;
    if (where > 0) continue;
    let count = 0;
    for (const t of textNodes(block)) {
      if (t === node) return start + count + Math.min(offset, t.length);
      const r = document.createRange();
      r.selectNodeContents(t);
      if (r.comparePoint(node, offset) < 0) return start + count;
      count += t.length;
    }
    return start + count;
  }
  return Number(all[all.length - 1].dataset.end);
}

/** {start, end} text offsets of a DOM Range, or null if it lies outside the article text. */
export function rangeToOffsets(container, range) {
  if (!range.intersectsNode(container)) return null;
  const start = offsetOf(container, range.startContainer, range.startOffset);
  const end = offsetOf(container, range.endContainer, range.endOffset);
  return end > start ? { start, end } : null;
}
