// Highlight toggles: real checkboxes (CSS :has() does the hiding, even without JS); this
// remembers the choice and mirrors it as body classes for browsers without :has().

const KEY = "reader.hiddenTypes";

function load() {
  try {
    return new Set(JSON.parse(localStorage.getItem(KEY) || "[]"));
  } catch {
    return new Set();
  }
}

function save(hidden) {
  try {
    localStorage.setItem(KEY, JSON.stringify([...hidden]));
  } catch {
    // Storage may be disabled; the toggles still work for this page.
  }
}

export function initToggles() {
  const boxes = Array.from(document.querySelectorAll("input.type-toggle"));
  const hidden = load();
  const apply = () => {
    for (const box of boxes) document.body.classList.toggle(`hide-${box.value}`, !box.checked);
  };
  for (const box of boxes) {
    box.checked = !hidden.has(box.value);
    box.addEventListener("change", () => {
      if (box.checked) hidden.delete(box.value);
      else hidden.add(box.value);
      save(hidden);
      apply();
    });
  }
  apply();
}
