// The article reader: select an entity by its highlighted mentions, walk them with n / p,
// share passages. The page works without this script; it only enhances the server's markup.

import { initShare } from "./share.js";
import { initToggles } from "./toggles.js";

const dataNode = document.getElementById("reader-data");
const container = document.getElementById("article-text");

if (dataNode && container) {
  document.documentElement.classList.add("js");
  const data = JSON.parse(dataNode.textContent);
  const text = data.text; // an editor's correction never changes the text
  let entities, byMention;
  function loadEntities(found) {
    entities = new Map(found.map((e) => [e.id, e]));
    byMention = new Map();
    for (const e of found) for (const m of e.mentions) byMention.set(m.id, e);
  }
  loadEntities(data.entities);

  const $ = (id) => document.getElementById(id);
  const panel = $("entity-panel");
  const reader = $("reader");
  const live = $("reader-status");
  const state = { entity: null, index: -1 };

  let announceTimer = 0;
  const announce = (message) => {
    // Clear first so repeating the same message is announced again; a burst of messages
    // (n held down) announces only the last one.
    window.clearTimeout(announceTimer);
    live.textContent = "";
    announceTimer = window.setTimeout(() => { live.textContent = message; }, 60);
  };
  let hinted = false; // how to use the keys is said once, not on every selection
  const markOf = (mentionId) => document.getElementById(`m-${mentionId}`);
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    }
    for (const c of children) node.append(c);
    return node;
  }

  function clip(s, max, fromEnd) {
    if (s.length <= max) return s;
    if (fromEnd) {
      const cut = s.slice(-max);
      return `…${cut.slice(cut.indexOf(" ") + 1)}`;
    }
    const cut = s.slice(0, max);
    return `${cut.slice(0, cut.lastIndexOf(" "))}…`;
  }

  function fillPanel(entity) {
    panel.dataset.type = entity.type;
    $("panel-swatch").dataset.type = entity.type;
    $("panel-swatch").textContent = entity.type_label;
    $("panel-kind").textContent = entity.kind;
    const edited = $("panel-edited");
    edited.hidden = entity.source !== "editor";
    edited.textContent = entity.edited_on ? `edited by an editor on ${entity.edited_on}`
      : "edited by an editor";
    $("panel-name").textContent = entity.name;
    const aliases = $("panel-aliases");
    aliases.hidden = entity.aliases.length === 0;
    aliases.textContent = entity.aliases.length ? `Also called ${entity.aliases.join(", ")}` : "";
    const library = $("panel-library");
    library.hidden = !entity.library_url;
    if (entity.library_url) {
      const n = entity.library_article_count;
      $("panel-library-link").href = entity.library_url;
      $("panel-library-link").textContent = `In ${n} article${n === 1 ? "" : "s"}`;
    }
    const roles = $("panel-roles");
    roles.replaceChildren(
      ...entity.roles.map((r) => {
        const li = el("li", {}, r.title);
        if (r.organisation_name) {
          li.append(", ");
          li.append(r.organisation_url ? el("a", { href: r.organisation_url, text: r.organisation_name })
            : r.organisation_name);
        }
        // Many roles have a source link: its name says which role it supports.
        li.append(" ", el("a", {
          href: r.sentence_url,
          class: "role-source",
          "aria-label": `source: ${entity.name}, ${r.title}`,
          text: "(source)",
        }));
        return li;
      }),
    );
    roles.hidden = entity.roles.length === 0;
    $("panel-count").textContent = plural(entity.mentions.length, "mention");
    $("panel-mentions").replaceChildren(
      ...entity.mentions.map((m, i) => {
        const [s, e] = m.sentence;
        const link = el(
          "a",
          { href: `#m-${m.id}`, "data-index": String(i) },
          clip(text.slice(s, m.start), 70, true),
          el("strong", { text: text.slice(m.start, m.end) }),
          clip(text.slice(m.end, Math.max(e, m.end)), 90, false),
        );
        if (m.tentative) link.append(" ", el("span", { class: "uncertain", text: "(uncertain)" }));
        if (m.source === "editor") {
          const when = m.edited_on ? ` on ${m.edited_on}` : "";
          link.append(" ", el("span", { class: "uncertain", text: `(marked by an editor${when})` }));
        }
        return el("li", {}, link);
      }),
    );
    $("panel-link").href = entity.url;
    $("panel-link").textContent = `All about ${entity.name}`;
  }

  function updatePosition() {
    const entity = state.entity;
    const n = entity.mentions.length;
    $("panel-position").textContent = state.index >= 0 ? `${state.index + 1} of ${n}` : `${n} in all`;
    for (const a of $("panel-mentions").querySelectorAll("a")) {
      if (Number(a.dataset.index) === state.index) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    }
    for (const m of container.querySelectorAll("mark[data-current]")) m.removeAttribute("data-current");
    if (state.index >= 0) markOf(entity.mentions[state.index].id)?.setAttribute("data-current", "");
  }

  function select(entityId, mentionId = null) {
    const entity = entities.get(entityId);
    if (!entity) return;
    if (state.entity !== entity) {
      for (const m of container.querySelectorAll("mark[data-selected]")) m.removeAttribute("data-selected");
      for (const m of entity.mentions) markOf(m.id)?.setAttribute("data-selected", "");
      for (const a of document.querySelectorAll(".index-link")) {
        if (Number(a.dataset.entityId) === entityId) a.setAttribute("aria-current", "true");
        else a.removeAttribute("aria-current");
      }
      state.entity = entity;
      fillPanel(entity);
      panel.hidden = false;
      document.body.classList.add("panel-open");
      const hint = hinted ? "" : " Press n or p to move between them, Escape to clear.";
      hinted = true;
      announce(`${entity.name}, ${entity.type_label.toLowerCase()}: ${plural(entity.mentions.length, "mention")}.${hint}`);
    }
    state.index = mentionId === null ? -1 : entity.mentions.findIndex((m) => m.id === mentionId);
    updatePosition();
  }

  function goTo(index, { focus = true } = {}) {
    const entity = state.entity;
    if (!entity || entity.mentions.length === 0) return;
    const n = entity.mentions.length;
    state.index = ((index % n) + n) % n;
    updatePosition();
    const mention = entity.mentions[state.index];
    const mark = markOf(mention.id);
    if (!mark) return;
    mark.setAttribute("tabindex", "-1");
    if (focus) mark.focus({ preventScroll: true });
    mark.scrollIntoView({ block: "center" });
    history.replaceState(history.state, "", `#m-${mention.id}`);
    announce(`Mention ${state.index + 1} of ${n}: ${text.slice(mention.start, mention.end)}`);
  }

  function clear() {
    if (!state.entity) return false;
    const last = state.index >= 0 ? markOf(state.entity.mentions[state.index].id) : null;
    for (const m of container.querySelectorAll("mark[data-selected], mark[data-current]")) {
      m.removeAttribute("data-selected");
      m.removeAttribute("data-current");
    }
    for (const a of document.querySelectorAll(".index-link[aria-current]")) a.removeAttribute("aria-current");
    const trigger = document.querySelector(`.index-link[data-entity-id="${state.entity.id}"]`);
    const wasInPanel = panel.contains(document.activeElement);
    state.entity = null;
    state.index = -1;
    panel.hidden = true;
    document.body.classList.remove("panel-open");
    if (/^#m-\d+$/.test(window.location.hash)) {
      history.replaceState(history.state, "", window.location.pathname + window.location.search);
    }
    // Focus leaves the closing panel for the mention being read, or the index entry.
    if (wasInPanel) {
      const target = last || trigger || container;
      if (target !== trigger && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
    }
    announce("Selection cleared.");
    return true;
  }

  const plainClick = (e) => e.button === 0 && !e.ctrlKey && !e.metaKey && !e.shiftKey && !e.altKey;

  container.addEventListener("click", (e) => {
    if (!plainClick(e)) return;
    if (!window.getSelection().isCollapsed && e.detail > 0) return; // finishing a text selection
    const mark = e.target.closest("mark.mention") ||
      e.target.closest("a.mention-link")?.querySelector("mark.mention");
    if (!mark || !container.contains(mark)) return;
    e.preventDefault();
    activate(mark, e.detail === 0);
  });

  // Selecting a mention: with the keyboard (Enter on its link) focus moves into the panel, as
  // following the link would have gone to the entity's page; Escape or Close bring it back.
  function activate(mark, byKeyboard) {
    const entityId = Number(mark.dataset.entityId);
    const mentionId = Number(mark.id.slice(2));
    select(entityId, mentionId);
    history.replaceState(history.state, "", `#m-${mentionId}`);
    // On a phone the panel is a sheet over the lower part of the page: keep the mention in sight
    // (the page's scroll padding then keeps it above the sheet).
    if (getComputedStyle(panel).position === "fixed") mark.scrollIntoView({ block: "nearest" });
    if (byKeyboard) $("panel-name").focus();
  }

  document.getElementById("entity-index")?.addEventListener("click", (e) => {
    const link = e.target.closest(".index-link");
    if (!link || !plainClick(e)) return;
    e.preventDefault();
    select(Number(link.dataset.entityId));
    $("panel-name").focus();
  });

  $("panel-mentions").addEventListener("click", (e) => {
    const link = e.target.closest("a[data-index]");
    if (!link || !plainClick(e)) return;
    e.preventDefault();
    goTo(Number(link.dataset.index));
  });
  $("panel-next").addEventListener("click", () => goTo(state.index + 1, { focus: false }));
  $("panel-prev").addEventListener("click", () => goTo(state.index < 0 ? -1 : state.index - 1, { focus: false }));
  $("panel-close").addEventListener("click", () => clear());

  const share = initShare({ container, text, articleUrl: data.url, permalink: data.permalink });
  initToggles();

  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    const typing = t instanceof HTMLElement &&
      (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
    if (e.key === "Escape") {
      if (share.close()) { e.preventDefault(); return; }
      if (!typing && clear()) e.preventDefault();
      return;
    }
    // A focused mention (reached with n / p) is activated like its link.
    if (e.key === "Enter" && t instanceof Element && t.matches("mark.mention") && container.contains(t)) {
      e.preventDefault();
      activate(t, true);
      return;
    }
    // Single-key shortcuts act only while focus is in the reader (WCAG 2.1.4), never in a field.
    // (A click on the page's background focuses body, or main, which has tabindex -1.)
    const inReader = t === document.body || t === document.documentElement ||
      (t instanceof Element && t.matches("main")) || (t instanceof Node && reader.contains(t));
    if (typing || !state.entity || !inReader || e.isComposing) return;
    if (e.key === "n" || e.key === "j") {
      e.preventDefault();
      goTo(state.index + 1);
    } else if (e.key === "p" || e.key === "k") {
      e.preventDefault();
      goTo(state.index < 0 ? -1 : state.index - 1);
    }
  });

  function fromHash() {
    const match = /^#m-(\d+)$/.exec(window.location.hash);
    if (!match) return false;
    const id = Number(match[1]);
    const entity = byMention.get(id);
    if (!entity) return false;
    select(entity.id, id);
    goTo(state.index);
    return true;
  }

  function showPassage() {
    const target = window.location.hash.length > 1
      ? document.getElementById(decodeURIComponent(window.location.hash.slice(1)))
      : null;
    const marked = target && target.matches("[data-quote-selected]")
      ? target : container.querySelector("[data-quote-selected]");
    if (!marked) return;
    marked.setAttribute("tabindex", "-1");
    marked.focus({ preventScroll: true });
    marked.scrollIntoView({ block: "center" });
  }

  // An editor's change, swapped into the page by edit.js: the panel shows the entities as they
  // now are, open on what the change touched (``detail``: {entity, mention}), else on the
  // entity that was open if it is still there.
  document.addEventListener("reader:refresh", (e) => {
    const want = e.detail || {};
    const previous = state.entity ? state.entity.id : null;
    loadEntities(JSON.parse(dataNode.textContent).entities);
    state.entity = null;
    state.index = -1;
    const mention = byMention.has(want.mention) ? want.mention : null;
    const entityId = [want.entity, mention === null ? null : byMention.get(mention).id, previous]
      .find((id) => id != null && entities.has(id));
    if (entityId === undefined) {
      panel.hidden = true;
      document.body.classList.remove("panel-open");
      return;
    }
    const shown = mention !== null && byMention.get(mention).id === entityId ? mention : null;
    select(entityId, shown); // opens the panel and fills it afresh
    if (shown !== null) history.replaceState(history.state, "", `#m-${shown}`);
  });

  window.addEventListener("hashchange", fromHash);
  if (!fromHash()) showPassage();
}
