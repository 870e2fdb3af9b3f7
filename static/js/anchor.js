// W3C Web Annotation selectors for a passage, and the URLs that carry them.
// Mirrors app/web/anchor.py: ?exact=&prefix=&suffix=&start=&end=#passage

export const CONTEXT_CHARS = 32;

/** Shrink [start, end) so it neither starts nor ends with white space. */
export function trimRange(text, start, end) {
  while (start < end && /\s/.test(text[start])) start += 1;
  while (end > start && /\s/.test(text[end - 1])) end -= 1;
  return { start, end };
}

export function selectorFor(text, start, end, context = CONTEXT_CHARS) {
  return {
    quote: {
      type: "TextQuoteSelector",
      exact: text.slice(start, end),
      prefix: text.slice(Math.max(0, start - context), start),
      suffix: text.slice(end, end + context),
    },
    position: { type: "TextPositionSelector", start, end },
  };
}

const enc = (s) => encodeURIComponent(s);

/** The article at ``articleUrl`` opened on the passage ``selector`` describes. */
export function passageUrl(articleUrl, selector) {
  const q = selector.quote;
  const parts = [`exact=${enc(q.exact)}`];
  if (q.prefix) parts.push(`prefix=${enc(q.prefix)}`);
  if (q.suffix) parts.push(`suffix=${enc(q.suffix)}`);
  parts.push(`start=${selector.position.start}`, `end=${selector.position.end}`);
  return `${articleUrl}?${parts.join("&")}#passage`;
}
