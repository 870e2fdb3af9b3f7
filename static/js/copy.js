// Copy-to-clipboard buttons: <button class="copy-button" data-copy-target="input-id" hidden>.
// Without JavaScript the read-only field still shows the URL; with it, the button appears.

/** Copy text; returns true when it reached the clipboard. */
export async function copyText(text, input) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Permission denied: fall through to selecting the field.
  }
  if (input) {
    input.focus();
    input.select();
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  }
  return false;
}

/** Show a message in a live region so that it is announced, even when it repeats. */
export function setStatus(node, message) {
  if (!node) return;
  window.clearTimeout(node.statusTimer);
  node.textContent = "";
  node.statusTimer = window.setTimeout(() => { node.textContent = message; }, 50);
}

export function initCopyButtons(root = document) {
  for (const button of root.querySelectorAll(".copy-button[data-copy-target]")) {
    const input = document.getElementById(button.dataset.copyTarget);
    if (!input) continue;
    const status = document.getElementById("copy-status");
    button.hidden = false;
    button.addEventListener("click", async () => {
      const ok = await copyText(input.value, input);
      setStatus(status, ok
        ? "Link copied to the clipboard."
        : "Copying is not permitted here: the link is selected, press Ctrl+C (⌘C) to copy it.");
      if (!ok) {
        input.focus();
        input.select();
      }
    });
  }
}

if (document.querySelector(".copy-button[data-copy-target]")) initCopyButtons();
