// Saves the judge's review as a draft shortly after each change, through the same form endpoint the
// "Save draft" button uses (asking for JSON), so nothing typed is lost if the tab closes.
(function () {
  const form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) return;
  const status = form.querySelector("[data-autosave-status]");
  const DELAY_MS = 1200;
  let timer = null;
  let chain = Promise.resolve();
  let submitted = false; // once the form is posted, a draft still waiting would only be refused

  function say(text, state) {
    status.textContent = text;
    if (state) status.dataset.state = state; else delete status.dataset.state;
  }

  async function saveDraft() {
    if (submitted) return;
    const body = new FormData(form);
    body.set("action", "draft");
    say("Saving draft…");
    try {
      const response = await fetch(form.getAttribute("action") || window.location.pathname, {
        method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" },
      });
      const data = await response.json().catch(() => ({}));
      if (response.ok) say(data.message || "Draft saved.", "saved");
      else say("Draft not saved: " + (data.detail || "the server refused it (" + response.status + ")."), "error");
    } catch (error) {
      say("Draft not saved: the connection failed. Your next change tries again.", "error");
    }
  }

  function schedule() {
    clearTimeout(timer);
    say("Unsaved changes…");
    timer = setTimeout(() => { timer = null; chain = chain.then(saveDraft); }, DELAY_MS);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("submit", () => { // the button's own post wins
    submitted = true;
    clearTimeout(timer);
  });
})();
