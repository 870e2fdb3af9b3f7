// Editing the annotations in place (signed-in editors). Every action is one call to the JSON
// API with the session's CSRF token; the page's annotated parts are then fetched again and
// swapped in place, the reader's panel opens on what changed (with the editor's dated note),
// and the status line offers Undo (DELETE of the correction just made). The editor keeps their
// place: no reload, focus on Undo. Works by keyboard: the Edit switch, mentions (links),
// quotes (focusable while editing) and every control of the toolbar.
import { rangeToOffsets } from "./offsets.js";

const $ = (id) => document.getElementById(id);
const tools = $("edit-tools");
if (tools) init();

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function init() {
  const toggle = $("edit-switch");
  const bar = $("edit-toolbar");
  const status = $("edit-status");
  const container = $("article-text");
  const types = JSON.parse(tools.dataset.types);
  let data, entities, byId;
  let editing = false;
  let uid = 0;

  const entityList = el("datalist", { id: "edit-entities" });
  tools.append(entityList);
  function loadData() {
    data = JSON.parse($("reader-data").textContent);
    entities = data.entities;
    byId = new Map(entities.map((e) => [e.id, e]));
    entityList.replaceChildren(...entities.map((e) => el("option", { value: `${e.name} #${e.id}` })));
  }
  loadData();

  function pickEntity(input) {
    const m = /#(\d+)\s*$/.exec(input.value);
    if (m && byId.has(Number(m[1]))) return Number(m[1]);
    const named = entities.filter((e) => e.name.toLowerCase() === input.value.trim().toLowerCase());
    return named.length === 1 ? named[0].id : null;
  }

  function field(label, control) {
    const id = `edit-field-${++uid}`;
    control.id = id;
    return el("span", { className: "edit-field" }, el("label", { htmlFor: id }, label), control);
  }
  function searchable(placeholder) {
    const input = el("input", { type: "text", placeholder, autocomplete: "off" });
    input.setAttribute("list", "edit-entities");
    return input;
  }
  const typeSelect = (current) =>
    el("select", {}, ...types.map((t) => el("option", { value: t, selected: t === current }, t)));
  const button = (label, onClick) => {
    const b = el("button", { type: "button", className: "button" }, label);
    b.addEventListener("click", onClick);
    return b;
  };

  async function call(method, path, body) {
    const response = await fetch(tools.dataset.api + path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": tools.dataset.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      let reason = `${response.status} ${response.statusText}`;
      try {
        const payload = await response.json();
        reason = Array.isArray(payload.detail) ? payload.detail.map((d) => d.msg).join("; ") : payload.detail;
      } catch { /* not JSON */ }
      throw new Error(reason);
    }
    return response;
  }

  // The page as the server now renders it, swapped in for the parts an edit changes; the
  // reader script then rebuilds its panel (opened on ``focus``: {entity, mention}).
  async function refresh(focus) {
    const response = await fetch(location.pathname + location.search, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" },
    });
    if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    const parts = ["article-text", "entity-index", "reader-data"].map((id) => [$(id), fresh.getElementById(id)]);
    if (parts.some(([now, next]) => !now || !next)) throw new Error("the page changed shape");
    for (const [now, next] of parts) now.replaceChildren(...next.childNodes);
    loadData();
    markQuotes();
    document.dispatchEvent(new CustomEvent("reader:refresh", { detail: focus }));
  }

  // What the answer to an action names, for the panel: a mention (and its entity) or an entity.
  function focusOf(answer, fallback) {
    if (answer && typeof answer.entity_id === "number") return { entity: answer.entity_id, mention: answer.id };
    if (answer && Array.isArray(answer.mentions)) return { entity: answer.id, mention: fallback.mention };
    if (answer && typeof answer.speaker_id === "number") return { entity: answer.speaker_id };
    return fallback;
  }

  // While a change is on its way the toolbar takes no second one (a double press would make
  // two corrections); if it fails, focus goes back where it was.
  function busy(on) {
    bar.setAttribute("aria-busy", String(on));
    for (const control of bar.querySelectorAll("button, input, select")) control.disabled = on;
  }

  async function act(label, method, path, body, fallback = {}) {
    if (bar.getAttribute("aria-busy") === "true") return;
    const from = document.activeElement;
    status.textContent = `${label}…`;
    busy(true);
    let response;
    try {
      response = await call(method, path, body);
    } catch (error) {
      busy(false);
      status.textContent = `Not done: ${error.message}`;
      if (from instanceof HTMLElement) from.focus();
      return;
    }
    const last = { label, id: response.headers.get("X-Correction-Id") };
    const answer = response.status === 204 ? null : await response.json().catch(() => null);
    try {
      await refresh(focusOf(answer, fallback));
    } catch {
      // Done, but the page could not be fetched again: show it by reloading.
      sessionStorage.setItem("edit-last", JSON.stringify(last));
      location.reload();
      return;
    }
    busy(false);
    if (editing) show(hint());
    offerUndo(last);
  }

  function offerUndo(last) {
    if (!last.id) {
      status.textContent = `${last.label}.`;
      return;
    }
    const undo = button("Undo", async () => {
      try {
        await call("DELETE", `/corrections/${last.id}`);
      } catch (error) {
        status.textContent = `Not undone: ${error.message}`;
        return;
      }
      try {
        await refresh({});
      } catch {
        sessionStorage.setItem("edit-undone", last.label);
        location.reload();
        return;
      }
      status.textContent = `Undone: ${last.label}.`;
      const name = $("panel-name");
      (name && !$("entity-panel").hidden ? name : toggle).focus();
    });
    status.replaceChildren(`${last.label}. `, undo);
    undo.focus();
  }

  function setEditing(on) {
    editing = on;
    toggle.setAttribute("aria-pressed", String(on));
    document.body.classList.toggle("editing", on);
    bar.hidden = !on;
    sessionStorage.setItem("edit-on", on ? "1" : "");
    markQuotes();
    if (on) show(hint());
  }

  function markQuotes() {
    for (const q of container.querySelectorAll(".quote")) {
      if (editing) q.setAttribute("tabindex", "0"); else q.removeAttribute("tabindex");
    }
  }

  const hint = () => el("p", { className: "edit-hint" },
    "Select text to mark it, or choose a mention or a quote to correct it.");

  function show(...children) {
    bar.replaceChildren(...children);
  }

  function markSelection() {
    if (!editing) return;
    const selection = document.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return;
    const span = rangeToOffsets(container, selection.getRangeAt(0));
    if (!span) return;
    let { start, end } = span;
    while (start < end && /\s/.test(data.text[start])) start++;
    while (end > start && /\s/.test(data.text[end - 1])) end--;
    if (end <= start) return;
    const existing = searchable("New entity");
    const type = typeSelect("actor");
    const kind = el("input", { type: "text" });
    show(
      el("p", {}, "Selected: ", el("q", {}, data.text.slice(start, end))),
      field("Entity (type to search; empty: new entity)", existing),
      field("Type", type),
      field("Kind", kind),
      button("Mark as", () => {
        const id = pickEntity(existing);
        if (existing.value.trim() && id === null) {
          status.textContent = "Not done: choose an entity from the list, or leave it empty";
          return;
        }
        const body = id !== null ? { start, end, entity_id: id }
          : { start, end, new_entity: { type: type.value, ...(kind.value.trim() ? { kind: kind.value.trim() } : {}) } };
        act(`Marked “${data.text.slice(start, end)}”`, "POST", "/mentions", body);
      }),
    );
  }

  function editMention(mark) {
    const mentionId = Number(mark.id.replace("m-", ""));
    const entity = byId.get(Number(mark.dataset.entityId));
    if (!entity) return;
    const linkTo = searchable("Entity");
    const mergeInto = searchable("Entity");
    const name = el("input", { type: "text", value: entity.name });
    const type = typeSelect(entity.type);
    const target = (input, then) => () => {
      const id = pickEntity(input);
      if (id === null) { status.textContent = "Not done: choose an entity from the list"; return; }
      then(id);
    };
    show(
      el("p", {}, "Mention ", el("q", {}, mark.textContent.trim()), ` of ${entity.name}`),
      button("Not an entity", () => act(`Removed “${mark.textContent.trim()}”`, "DELETE", `/mentions/${mentionId}`,
        undefined, { entity: entity.id })),
      field("Link to…", linkTo),
      button("Link", target(linkTo, (id) => act("Linked the mention", "PATCH", `/mentions/${mentionId}`, { entity_id: id }))),
      field("Rename", name),
      button("Rename", () => act(`Renamed ${entity.name}`, "PATCH", `/entities/${entity.id}`, { name: name.value },
        { mention: mentionId })),
      field("Change type", type),
      button("Change type", () => act(`Changed the type of ${entity.name}`, "PATCH", `/entities/${entity.id}`, { type: type.value },
        { mention: mentionId })),
      field("Merge into…", mergeInto),
      button("Merge", target(mergeInto, (id) => act(`Merged ${entity.name}`, "POST", `/entities/${entity.id}/merge`, { into: id },
        { mention: mentionId }))),
    );
  }

  function editQuote(quote) {
    const speaker = searchable("Speaker");
    const description = el("input", { type: "text" });
    show(
      el("p", {}, "Quote ", el("q", {}, quote.textContent.trim().slice(0, 80))),
      field("Speaker (type to search)", speaker),
      field("or an unnamed speaker's description", description),
      button("Change speaker", () => {
        const id = pickEntity(speaker);
        const body = id !== null ? { speaker_id: id }
          : description.value.trim() ? { speaker_id: null, speaker_description: description.value.trim() } : null;
        if (!body) { status.textContent = "Not done: choose a speaker or describe one"; return; }
        act("Changed the speaker", "PATCH", `/quotes/${quote.dataset.quoteId}`, body);
      }),
    );
  }

  container.addEventListener("click", (e) => {
    if (!editing) return;
    const mark = e.target.closest("mark.mention") ||
      e.target.closest("a.mention-link")?.querySelector("mark.mention");
    const byKeyboard = e.detail === 0;
    const focusBar = () => { if (byKeyboard) bar.querySelector("button, input")?.focus(); };
    if (mark) { e.preventDefault(); editMention(mark); focusBar(); return; }
    const quote = e.target.closest(".quote");
    if (quote && document.getSelection().isCollapsed) { editQuote(quote); focusBar(); }
  });
  container.addEventListener("keydown", (e) => {
    if (!editing || e.key !== "Enter") return;
    const quote = e.target.closest && e.target.closest(".quote");
    if (quote && e.target === quote) { e.preventDefault(); editQuote(quote); bar.querySelector("input")?.focus(); }
  });
  container.addEventListener("mouseup", () => setTimeout(markSelection, 0));
  container.addEventListener("keyup", (e) => { if (e.shiftKey) markSelection(); });
  // A selection made any other way (the keyboard, a script): the "Mark" key opens the toolbar.
  document.addEventListener("keydown", (e) => {
    if (editing && e.key === "m" && !e.target.closest("input, select, textarea")) {
      e.preventDefault(); // the key must not also type an "m" into the toolbar
      markSelection();
      bar.querySelector("input, select")?.focus();
    }
  });

  toggle.hidden = false;
  toggle.addEventListener("click", () => setEditing(!editing));
  setEditing(sessionStorage.getItem("edit-on") === "1");

  // After a reload that stood in for a failed refresh.
  const last = JSON.parse(sessionStorage.getItem("edit-last") || "null");
  sessionStorage.removeItem("edit-last");
  if (last && last.id) offerUndo(last);
  const undone = sessionStorage.getItem("edit-undone");
  sessionStorage.removeItem("edit-undone");
  if (undone) status.textContent = `Undone: ${undone}.`;
}
