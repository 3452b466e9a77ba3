// Ask before irreversible actions: any form with data-confirm="…" (no inline script, CSP-friendly).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
