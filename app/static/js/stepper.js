// Turns the long posting form into steps: one part at a time, Back and Next buttons, the progress
// list above it kept in step. Without JavaScript every part shows at once and the list links to each.
(function () {
  const form = document.querySelector("form[data-steps]");
  if (!form) return;
  const steps = Array.from(form.querySelectorAll(".step[data-step]"));
  const links = Array.from(document.querySelectorAll("[data-step-link]"));
  const submit = form.querySelector("[data-step-submit]");
  if (steps.length < 2) return;
  form.classList.add("js-steps");

  function button(label, className, onClick) {
    const element = document.createElement("button");
    element.type = "button";
    element.textContent = label;
    if (className) element.className = className;
    element.addEventListener("click", onClick);
    return element;
  }

  function show(index, focus) {
    steps.forEach((step, i) => { step.hidden = i !== index; });
    links.forEach((link) => {
      if (link.dataset.stepLink === steps[index].dataset.step) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    });
    submit.hidden = index !== steps.length - 1;
    if (focus) steps[index].focus();
  }

  steps.forEach((step, index) => {
    const nav = document.createElement("div");
    nav.className = "step-nav";
    nav.appendChild(index > 0 ? button("Back", "secondary", () => show(index - 1, true)) : document.createElement("span"));
    if (index < steps.length - 1) {
      const label = steps[index + 1].querySelector("legend").textContent.replace(/^\d+\.\s*/, "").split("(")[0].trim();
      nav.appendChild(button("Next: " + label, "", () => show(index + 1, true)));
    }
    step.appendChild(nav);
  });

  links.forEach((link) => {
    const index = steps.findIndex((step) => step.dataset.step === link.dataset.stepLink);
    if (index < 0) return;
    link.addEventListener("click", (event) => { event.preventDefault(); show(index, true); });
  });

  // Open where the server found a problem, else where the address points, else at the start.
  const withError = steps.findIndex((step) => step.querySelector(".has-error"));
  const fromHash = steps.findIndex((step) => "#" + step.id === window.location.hash);
  show(withError >= 0 ? withError : Math.max(fromHash, 0), withError >= 0);
})();
