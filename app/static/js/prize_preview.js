// Shows what each place wins as the sponsor types the bounty and the split. The server works the
// amounts out, by the rule that pays the prizes (GET data-source answers JSON); this script only asks,
// shortly after the typing stops, and shows the answer. Without it the page shows the split of what
// was last sent.
(function () {
  const form = document.querySelector(".challenge-form");
  if (!form || !window.fetch || !window.URLSearchParams) return;
  const preview = form.querySelector("[data-prize-preview]");
  if (!preview || !preview.dataset.source) return;
  const inputs = ["#reward_kind", "#currency", "#bounty", "#tiers"]
    .map((selector) => form.querySelector(selector))
    .filter(Boolean);
  const DELAY_MS = 250;
  let timer = null;
  let asked = 0; // only the answer to the latest question is shown

  function showPlaces(places) {
    const list = document.createElement("ol");
    places.forEach((prize) => {
      const item = document.createElement("li");
      item.textContent = prize.text;
      list.appendChild(item);
    });
    preview.replaceChildren(list);
  }

  async function refresh() {
    const question = ++asked;
    const query = new URLSearchParams();
    inputs.forEach((input) => query.set(input.name, input.value));
    let response = null;
    let answer = null;
    try {
      response = await fetch(preview.dataset.source + "?" + query.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      answer = await response.json();
    } catch (error) {
      answer = null; // offline or not JSON: show nothing rather than something wrong
    }
    if (question !== asked) return;
    if (response && response.ok && answer && Array.isArray(answer.places)) {
      showPlaces(answer.places);
    } else if (answer && answer.field === "tiers" && answer.detail) {
      preview.textContent = answer.detail; // the split itself is wrong: say why, as the form would
    } else {
      preview.textContent = ""; // an amount or currency still being typed
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, DELAY_MS);
  }

  inputs.forEach((input) => {
    input.addEventListener("input", schedule);
    input.addEventListener("change", schedule);
  });
  // The browser may have refilled the fields (back button, reload) since the server drew the page.
  if (form.querySelector("#bounty") && form.querySelector("#bounty").value) refresh();
})();
