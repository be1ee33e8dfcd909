// Chromium's PDF viewer takes the keyboard focus when it has finished loading, a second or so after
// the page, and nothing the page can set (not even `inert`) stops it. A judge already typing a score
// then typed into the preview and posted an empty field. So focus the preview takes on its own goes
// back to the field that had it; focus the judge gives it (the pointer over the preview, or Tab) stays.
(function () {
  const preview = document.querySelector("iframe.preview");
  if (!preview) return;
  let lastField = null;
  let pointerOver = false;
  let tabbedAt = 0;

  document.addEventListener("focusin", (event) => {
    if (event.target !== preview) lastField = event.target;
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Tab") tabbedAt = Date.now();
  });
  preview.addEventListener("pointerover", () => { pointerOver = true; });
  preview.addEventListener("pointerout", () => { pointerOver = false; });

  window.addEventListener("blur", () => {
    setTimeout(() => {
      const taken = document.activeElement === preview && !pointerOver && Date.now() - tabbedAt > 1000;
      if (taken && lastField && lastField.isConnected) lastField.focus();
    }, 0);
  });
})();
