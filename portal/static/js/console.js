// The console's event handlers, bound here because the Content-Security-Policy blocks inline ones
// (onclick="…" in Flask-Admin's templates; our overrides carry data- attributes instead).
// The listener runs in the capture phase: Bootstrap's dropdowns and Select2 stop clicks from bubbling.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (target === null) {
      return;
    }
    // A "javascript:void(0)" link is a button for a script; following it would be a blocked inline script.
    var link = target.closest('a[href^="javascript:"]');
    if (link !== null) {
      event.preventDefault();
    }
    var action = target.closest("[data-model-action]");
    if (action !== null && window.modelActions) {
      window.modelActions.execute(action.getAttribute("data-model-action"));
    }
    var confirming = target.closest("[data-confirm]");
    if (confirming !== null && !window.confirm(confirming.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  }, true);
})();

// Flask-Admin's row checkboxes carry only a title; a screen reader needs a name (and the first column says whose).
(function () {
  "use strict";
  document.querySelectorAll("input.action-checkbox, input.action-rowtoggle").forEach(function (box) {
    if (!box.hasAttribute("aria-label")) {
      var row = box.closest("tr");
      var cells = row ? row.querySelectorAll("td:not(.list-checkbox-column):not(.list-buttons-column)") : [];
      var name = cells.length ? cells[0].textContent.trim() : "";
      box.setAttribute("aria-label", box.title + (name ? ": " + name : ""));
    }
  });
  // Column help icons are links with no text of their own.
  document.querySelectorAll("a.fa-question-circle[title]").forEach(function (link) {
    link.setAttribute("aria-label", link.title);
  });
})();
