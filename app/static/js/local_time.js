// For viewers who never chose a timezone, shows every <time datetime> in the browser's own zone.
// The server already rendered the time (in UTC for them), so without JavaScript nothing is lost.
(function () {
  if (!document.body || !document.body.hasAttribute("data-browser-time") || !window.Intl) return;
  const format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  });
  document.querySelectorAll("time[datetime]").forEach((element) => {
    const moment = new Date(element.getAttribute("datetime"));
    if (isNaN(moment.getTime())) return;
    element.title = element.textContent;
    element.textContent = format.format(moment);
  });
})();
