// Shows what each place wins as the sponsor types the bounty and the split. Integer minor units only:
// leftover minor units go by largest remainder, then the better place, as the payout does.
(function () {
  const form = document.querySelector(".challenge-form");
  if (!form) return;
  const preview = form.querySelector("[data-prize-preview]");
  const bounty = form.querySelector("#bounty");
  const tiers = form.querySelector("#tiers");
  const currency = form.querySelector("#currency");
  const kind = form.querySelector("#reward_kind");

  function decimalsFor(code) {
    if (kind.value === "points") return 0;
    try {
      return new Intl.NumberFormat("en", { style: "currency", currency: code }).resolvedOptions().maximumFractionDigits;
    } catch (e) {
      return null;
    }
  }

  function toMinor(text, digits) {
    const cleaned = text.replace(/[,\s_]/g, "");
    if (!/^\d+(\.\d+)?$/.test(cleaned)) return null;
    const [whole, fraction = ""] = cleaned.split(".");
    if (fraction.length > digits) return null;
    return BigInt(whole + fraction.padEnd(digits, "0"));
  }

  function format(minor, digits, code) {
    if (kind.value === "points") return minor.toLocaleString("en") + " pts";
    const text = minor.toString().padStart(digits + 1, "0");
    const major = digits ? text.slice(0, -digits) + "." + text.slice(-digits) : text;
    return Number(major).toLocaleString("en", { style: "currency", currency: code, minimumFractionDigits: digits });
  }

  function render() {
    const code = (currency.value || "").trim().toUpperCase();
    const digits = decimalsFor(code || "EUR");
    const shares = tiers.value.split(/[,;]/).map((s) => s.trim().replace("%", "")).filter(Boolean);
    const total = digits === null ? null : toMinor(bounty.value, digits);
    if (total === null || shares.some((s) => !/^\d+(\.\d{1,2})?$/.test(s))) {
      preview.textContent = "";
      return;
    }
    const bp = shares.map((s) => BigInt(Math.round(parseFloat(s) * 100)));
    const sum = bp.reduce((a, b) => a + b, 0n);
    if (sum !== 10000n) {
      preview.textContent = "The shares add up to " + (Number(sum) / 100) + "%; they must add up to 100%.";
      return;
    }
    const amounts = bp.map((b) => (total * b) / 10000n);
    const remainders = bp.map((b) => (total * b) % 10000n);
    let left = total - amounts.reduce((a, b) => a + b, 0n);
    // Largest remainder first, then the better place: the rule the payout itself uses.
    const order = remainders
      .map((r, i) => [r, i])
      .sort((x, y) => (x[0] === y[0] ? x[1] - y[1] : x[0] > y[0] ? -1 : 1))
      .map((pair) => pair[1]);
    for (let k = 0; left > 0n; k += 1, left -= 1n) amounts[order[k]] += 1n;
    preview.innerHTML = "";
    const list = document.createElement("ol");
    amounts.forEach((amount, i) => {
      const item = document.createElement("li");
      item.textContent = format(amount, digits, code) + " (" + shares[i] + "%)";
      list.appendChild(item);
    });
    preview.appendChild(list);
  }

  [bounty, tiers, currency, kind].forEach((input) => input && input.addEventListener("input", render));
  render();
})();
