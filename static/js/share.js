// "Share quote": select any passage of the article, get a permalink that reopens the article
// with exactly that passage marked (resolved server-side from a W3C TextQuoteSelector with a
// TextPositionSelector hint), plus a browser text-fragment link.

import { passageUrl, selectorFor, trimRange } from "./anchor.js";
import { copyText, setStatus } from "./copy.js";
import { pageBlocks, textFragment } from "./fragments.js";
import { rangeToOffsets } from "./offsets.js";

export function initShare({ container, text, articleUrl, permalink }) {
  const root = document.getElementById("share");
  const button = document.getElementById("share-button");
  const result = document.getElementById("share-result");
  const field = document.getElementById("share-permalink");
  const fragment = document.getElementById("share-fragment");
  const excerpt = document.getElementById("share-excerpt");
  const status = document.getElementById("share-status");
  const close = document.getElementById("share-close");
  if (!root || !button || !result || !field) return { close: () => false };

  root.hidden = false;
  button.hidden = true;
  let pending = null; // the selector of the current selection
  let returnFocus = null;
  let block = null; // the top-level block of the article where the selection ends

  // The block (paragraph, caption, aside) of the article text holding a boundary point.
  const blockOf = (node, offset) => {
    let n = node;
    if (n === container) n = container.children[Math.max(0, offset - 1)] || null;
    while (n && n.parentNode !== container) n = n.parentNode;
    return n instanceof HTMLElement ? n : null;
  };

  const current = () => {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    const offsets = rangeToOffsets(container, range);
    if (!offsets) return null;
    const { start, end } = trimRange(text, offsets.start, offsets.end);
    if (end <= start) return null;
    return { range, start, end };
  };

  const place = (range) => {
    const rects = range.getClientRects();
    const rect = rects.length ? rects[rects.length - 1] : range.getBoundingClientRect();
    const width = button.offsetWidth || 120;
    const left = Math.min(
      Math.max(8, rect.right + window.scrollX - width / 2),
      window.scrollX + document.documentElement.clientWidth - width - 8,
    );
    button.style.left = `${left}px`;
    button.style.top = `${rect.bottom + window.scrollY + 10}px`;
  };

  let timer = 0;
  const update = () => {
    const found = current();
    if (!found) {
      if (document.activeElement !== button) button.hidden = true;
      pending = null;
      return;
    }
    pending = selectorFor(text, found.start, found.end);
    // In the reading and tab order the button follows the selected passage (it is positioned
    // absolutely, so this moves nothing on screen); it is never inside a block of text.
    block = blockOf(found.range.endContainer, found.range.endOffset);
    if (block && block.nextSibling !== button) block.after(button);
    button.hidden = false;
    place(found.range);
  };
  document.addEventListener("selectionchange", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 120);
  });
  // Pointer and keyboard selections end here: update at once so the button is ready.
  container.addEventListener("mouseup", () => window.setTimeout(update, 0));
  container.addEventListener("keyup", (e) => {
    if (e.shiftKey) update();
  });

  const open = async () => {
    const selector = pending || (current() && selectorFor(text, current().start, current().end));
    if (!selector) return;
    const url = passageUrl(permalink, selector);
    const { start, end } = selector.position;
    returnFocus = document.activeElement === button || document.activeElement === document.body
      ? (block || container) : document.activeElement;
    field.value = url;
    // Computed on the page as the browser will search it; no link rather than a wrong one.
    const directive = textFragment(pageBlocks(container, text), start, end);
    fragment.href = `${articleUrl}${directive}`;
    fragment.parentElement.hidden = !directive;
    excerpt.textContent = `“${selector.quote.exact}”`;
    status.textContent = "";
    result.hidden = false;
    button.hidden = true;
    field.focus();
    field.select();
    const ok = await copyText(url, null);
    // One announcement: the box's own status line (not also the page's live region).
    setStatus(status, ok
      ? "Link copied to the clipboard."
      : "The link is selected: press Ctrl+C (⌘C) to copy it.");
    field.select();
  };

  const hide = () => {
    if (result.hidden) return false;
    result.hidden = true;
    if (returnFocus && document.contains(returnFocus)) {
      if (!returnFocus.hasAttribute("tabindex") && (returnFocus === container || returnFocus === block)) {
        returnFocus.setAttribute("tabindex", "-1");
      }
      returnFocus.focus({ preventScroll: true });
    }
    return true;
  };

  // Keep the text selection when the button is pressed.
  button.addEventListener("mousedown", (e) => e.preventDefault());
  button.addEventListener("click", open);
  close.addEventListener("click", hide);
  document.getElementById("share-copy").addEventListener("click", async () => {
    const ok = await copyText(field.value, field);
    setStatus(status, ok
      ? "Link copied to the clipboard."
      : "The link is selected: press Ctrl+C (⌘C) to copy it.");
  });
  return { close: hide, isOpen: () => !result.hidden };
}
