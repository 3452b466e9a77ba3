// Ask before irreversible actions: any form with data-confirm="…" (no inline script, CSP-friendly).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Print buttons on the printable pages (a javascript: link would be blocked by the CSP).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) {
    event.preventDefault();
    window.print();
  }
});

// 重大事故隐患 needs its 判定标准 item (or, for regulators, a reason) and “其他（依据…）” its standard and
// clause: forms with data-major-check mark those fields required as the 等级 changes, so the browser
// says so before submitting. The server checks the same again.
function syncMajorRequired(form) {
  var els = form.elements;
  var grade = els.namedItem("grade");
  var item = els.namedItem("major_item");
  if (!grade || !item) {
    return;
  }
  var major = grade.value === "major";
  var reason = els.namedItem("major_reason");
  var other = major && item.value === "OTHER";
  item.required = major && !(reason && reason.value.trim());
  ["major_basis_standard", "major_basis_clause"].forEach(function (name) {
    var field = els.namedItem(name);
    if (field) {
      field.required = other;
    }
  });
}

function onMajorInput(event) {
  var form = event.target.form;
  if (form && form.hasAttribute("data-major-check")) {
    syncMajorRequired(form);
  }
}

document.addEventListener("change", onMajorInput);
document.addEventListener("input", onMajorInput);
document.querySelectorAll("form[data-major-check]").forEach(syncMajorRequired);
