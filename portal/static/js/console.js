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
