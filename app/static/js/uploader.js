// Sends the chosen file straight to storage with a progress bar, then asks the server to verify it.
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

  async function api(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.detail || "The server refused the upload (" + response.status + ").");
    return data;
  }

  function send(method, url, body, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      current = xhr;
      xhr.open(method, url);
      xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded);
      xhr.onload = () => (xhr.status < 300 ? resolve(xhr) : reject(new Error("Storage refused the file (" + xhr.status + ").")));
      xhr.onerror = () => reject(new Error("The connection to storage failed; try again."));
      xhr.onabort = () => reject(new Error("Upload cancelled."));
      xhr.send(body);
    });
  }

  function show(done, total) {
    const percent = total ? Math.floor((done / total) * 100) : 0;
    bar.value = percent;
    label.textContent = percent + "%";
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    errorBox.textContent = "";
    if (!file) { errorBox.textContent = "Choose the file to submit."; return; }
    cancelled = false;
    button.disabled = true; cancel.hidden = false; box.hidden = false; show(0, file.size);
    try {
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
      const base = form.dataset.startUrl + "/" + ticket.upload_id;
      if (ticket.method === "post") {
        const data = new FormData();
        Object.entries(ticket.fields).forEach(([name, value]) => data.append(name, value));
        data.append("file", file);
        await send("POST", ticket.url, data, (loaded) => show(loaded, file.size));
      } else {
        const parts = [];
        let sent = 0;
        for (let i = 0; i < ticket.part_urls.length; i++) {
          if (cancelled) throw new Error("Upload cancelled.");
          const chunk = file.slice(i * ticket.part_size, (i + 1) * ticket.part_size);
          const xhr = await send("PUT", ticket.part_urls[i], chunk, (loaded) => show(sent + loaded, file.size));
          sent += chunk.size;
          parts.push([i + 1, xhr.getResponseHeader("ETag")]);
        }
        await api(base + "/complete", { parts: parts });
      }
      label.textContent = "Checking the file…";
      const result = await api(base + "/finalize", {});
      window.location.assign(result.location);
    } catch (error) {
      errorBox.textContent = error.message;
      button.disabled = false;
      button.textContent = "Try again";
    } finally {
      cancel.hidden = true;
      current = null;
    }
  });

  cancel.addEventListener("click", () => { cancelled = true; if (current) current.abort(); });
})();
