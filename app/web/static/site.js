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

// 举报 region picker (form[data-region-picker]): the 乡镇（街道） list shows only the chosen 区县's
// townships; choosing a township selects its 区县; a name picked in the search box fills both. The form
// works without this: the server checks the pair and resolves a typed name.
function syncTownships(form) {
  var county = form.querySelector("[data-region-county]");
  var town = form.querySelector("[data-region-township]");
  if (!county || !town) {
    return;
  }
  town.querySelectorAll("optgroup").forEach(function (group) {
    var other = county.value !== "" && group.getAttribute("data-county") !== county.value;
    group.hidden = other;
    group.disabled = other;
  });
  var chosen = town.selectedOptions[0];
  if (chosen && chosen.parentElement.disabled) {
    town.value = "";
  }
}

function onRegionPick(event) {
  var form = event.target.closest && event.target.closest("form[data-region-picker]");
  if (!form) {
    return;
  }
  var county = form.querySelector("[data-region-county]");
  var town = form.querySelector("[data-region-township]");
  if (event.target.hasAttribute("data-region-search")) {
    var typed = event.target.value.trim();
    var match = Array.prototype.find.call(form.querySelectorAll("#region-names option"), function (opt) {
      return opt.value === typed;
    });
    if (!match) {
      return;
    }
    county.value = match.getAttribute("data-county");
    syncTownships(form);
    town.value = match.getAttribute("data-township");
  } else if (event.target === town && town.value) {
    county.value = town.selectedOptions[0].parentElement.getAttribute("data-county");
    syncTownships(form);
  } else if (event.target === county) {
    syncTownships(form);
  }
}

document.addEventListener("change", onRegionPick);
document.addEventListener("input", onRegionPick);
document.querySelectorAll("form[data-region-picker]").forEach(function (form) {
  var box = form.querySelector("[data-region-search-box]");
  if (box) {
    box.hidden = false;
  }
  syncTownships(form);
});

// Live boards (重大危险源监测: [data-auto-refresh="seconds"]) reload themselves, and the button pauses or
// resumes it for this tab (WCAG 2.2.1 timing adjustable; a <meta http-equiv="refresh"> cannot be paused).
(function () {
  var box = document.querySelector("[data-auto-refresh]");
  if (!box) {
    return;
  }
  var seconds = parseInt(box.getAttribute("data-auto-refresh"), 10) || 10;
  var button = box.querySelector("button");
  var key = "sk-auto-refresh-paused";
  var paused = false;
  var timer = null;
  try {
    paused = window.sessionStorage.getItem(key) === "1";
  } catch (e) {}
  function show() {
    if (button) {
      button.hidden = false;
      button.textContent = paused ? "恢复自动刷新" : "暂停自动刷新";
      button.setAttribute("aria-pressed", paused ? "true" : "false");
    }
  }
  function schedule() {
    clearTimeout(timer);
    timer = paused ? null : setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
  if (button) {
    button.addEventListener("click", function () {
      paused = !paused;
      try {
        window.sessionStorage.setItem(key, paused ? "1" : "0");
      } catch (e) {}
      show();
      schedule();
    });
  }
  show();
  schedule();
})();
