// While an uploaded file is verified, asks the server how far the check has got every two seconds and
// shows it; once the file is recorded, goes to the entry, and if it was refused, shows why (by reloading).
// Without JavaScript the page says to reload it.
(function () {
  const box = document.querySelector("[data-upload-status]");
  if (!box || !window.fetch) return;
  const text = box.querySelector("[data-status-text]");
  const bar = box.querySelector("[data-status-bar]");
  const hint = box.querySelector("[data-reload-hint]");
  if (hint) hint.textContent = "This page follows the check as it runs.";

  async function poll() {
    let data;
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      data = await response.json();
    } catch (error) {
      window.setTimeout(poll, 5000); // the server could not be reached: try again a little later
      return;
    }
    if (data.status === "verifying") {
      text.textContent = "Verifying your file… " + data.verified_percent + "%";
      bar.value = data.verified_percent;
      window.setTimeout(poll, 2000);
    } else if (data.status === "finalized") {
      window.location.assign(data.location);
    } else {
      window.location.reload();
    }
  }

  window.setTimeout(poll, 1000);
})();
