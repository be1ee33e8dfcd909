// Sends the chosen file straight to storage with a progress bar, then asks the server to verify it.
// Cancel stops the transfer; Retry carries on with the same upload (parts already stored are kept).
// Without JavaScript the same form posts through the app, which streams the file to storage.
(function () {
  const form = document.querySelector("[data-upload-form]");
  if (!form || !window.XMLHttpRequest || !window.fetch) return;
  const token = form.querySelector("input[name=csrf_token]").value;
  const fileInput = form.querySelector("input[type=file]");
  const bar = form.querySelector("[data-progress-bar]");
  const label = form.querySelector("[data-progress-text]");
  const box = form.querySelector("[data-progress]");
  const errorBox = form.querySelector("[data-upload-error]");
  const button = form.querySelector("[data-upload-button]");
  const cancel = form.querySelector("[data-cancel-button]");
  let current = null;
  let cancelled = false;
  let attempt = null; // {file, ticket, base, parts, sent}: what a retry continues from

  async function api(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(data.detail || "The server refused the upload (" + response.status + ").");
      error.final = response.status < 500; // a refusal: retrying the same upload cannot help
      throw error;
    }
    return data;
  }

  function send(method, url, body, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      current = xhr;
      xhr.open(method, url);
      xhr.setRequestHeader("Accept", "application/json"); // our own storage links answer problems in JSON
      xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded);
      xhr.onload = () => (xhr.status < 300 ? resolve(xhr) : reject(new Error(detail(xhr) || "Storage refused the file (" + xhr.status + ").")));
      xhr.onerror = () => reject(new Error("The connection to storage failed."));
      xhr.onabort = () => reject(new Error("Upload cancelled."));
      xhr.send(body);
    });
  }

  function detail(xhr) {
    try { return JSON.parse(xhr.responseText).detail; } catch (error) { return null; }
  }

  function size(bytes) {
    const units = ["bytes", "KiB", "MiB", "GiB"];
    let value = bytes, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return (unit ? value.toFixed(1) : value) + " " + units[unit];
  }

  function show(done, total) {
    const percent = total ? Math.floor((done / total) * 100) : 0;
    bar.value = percent;
    bar.setAttribute("aria-valuetext", percent + "%");
    label.textContent = percent + "% · " + size(done) + " of " + size(total);
  }

  async function start(file) {
    const title = form.querySelector("[name=title]");
    const description = form.querySelector("[name=description_md]");
    const ticket = await api(form.dataset.startUrl, {
      challenge: form.dataset.challenge,
      filename: file.name,
      size: file.size,
      content_type: file.type,
      submission_id: form.querySelector("[name=submission_id]").value || null,
      title: title ? title.value : null,
      description_md: description ? description.value : "",
    });
    return { file: file, ticket: ticket, base: form.dataset.startUrl + "/" + ticket.upload_id, parts: [], sent: 0, stored: false };
  }

  async function transfer(state) {
    const file = state.file, ticket = state.ticket;
    if (!state.stored && ticket.method === "post") {
      const data = new FormData();
      Object.entries(ticket.fields).forEach(([name, value]) => data.append(name, value));
      data.append("file", file);
      await send("POST", ticket.url, data, (loaded) => show(loaded, file.size));
    } else if (!state.stored) {
      for (let i = state.parts.length; i < ticket.part_urls.length; i++) {
        if (cancelled) throw new Error("Upload cancelled.");
        const chunk = file.slice(i * ticket.part_size, (i + 1) * ticket.part_size);
        const xhr = await send("PUT", ticket.part_urls[i], chunk, (loaded) => show(state.sent + loaded, file.size));
        state.sent += chunk.size;
        state.parts.push([i + 1, xhr.getResponseHeader("ETag")]);
      }
      await api(state.base + "/complete", { parts: state.parts });
    }
    state.stored = true;
    show(file.size, file.size);
    label.textContent = "Checking the file…";
    return api(state.base + "/finalize", {});
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    errorBox.textContent = "";
    if (!file) { errorBox.textContent = "Choose the file to submit."; fileInput.focus(); return; }
    if (!attempt || attempt.file !== file) attempt = null; // another file: a fresh upload
    cancelled = false;
    button.disabled = true; cancel.hidden = false; box.hidden = false;
    show(attempt ? attempt.sent : 0, file.size);
    try {
      attempt = attempt || (await start(file));
      const result = await transfer(attempt);
      window.location.assign(result.location);
    } catch (error) {
      if (error.final) attempt = null;
      errorBox.textContent = error.message + (attempt ? " Retry carries on where it stopped." : "");
      button.disabled = false;
      button.textContent = attempt ? "Retry" : "Try again";
      button.focus();
    } finally {
      cancel.hidden = true;
      current = null;
    }
  });

  fileInput.addEventListener("change", () => { attempt = null; button.textContent = "Upload"; errorBox.textContent = ""; });
  cancel.addEventListener("click", () => { cancelled = true; if (current) current.abort(); });
})();
