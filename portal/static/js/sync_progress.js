// Live progress of a "Sync now" run: poll the page's JSON endpoint and update the counts in place.
// Served from the app (no inline script) so the page works under a strict Content-Security-Policy.
(function () {
  "use strict";
  var root = document.getElementById("sync-progress");
  if (!root) { return; }
  var labels = {};
  var template = document.getElementById("state-labels");
  if (template && template.content) {
    template.content.querySelectorAll("[data-state]").forEach(function (node) {
      labels[node.getAttribute("data-state")] = node.textContent;
    });
  }
  function show(name, value) {
    var node = root.querySelector('[data-field="' + name + '"]');
    if (node) { node.textContent = value === null || value === undefined ? "" : String(value); }
  }
  // A history import's bar: records synced of the records the import found.
  function showBar(data) {
    var bar = root.querySelector('[data-field="bar"]');
    if (!bar) { return; }
    bar.max = Math.max(data.fetched || 0, 1);
    bar.value = data.pushed || 0;
    bar.textContent = (data.pushed || 0) + " of " + (data.fetched || 0);
    show("bar-synced", data.pushed || 0);
    show("bar-total", data.fetched || 0);
  }
  // Built with DOM nodes and textContent: a reason is text from OpenBoxes or QuickBooks, never markup.
  function showFailures(failures) {
    var list = root.querySelector('[data-field="failures"]');
    var heading = document.getElementById("failures-heading");
    if (!list) { return; }
    list.replaceChildren();
    failures.forEach(function (failure) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = failure.url;
      link.textContent = failure.record;
      item.appendChild(link);
      item.appendChild(document.createTextNode(": " + failure.reason));
      list.appendChild(item);
    });
    if (heading) { heading.hidden = failures.length === 0; }
  }
  function tick() {
    fetch(root.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        ["fetched", "pushed", "failed", "pending", "error"].forEach(function (name) { show(name, data[name]); });
        show("state-label", labels[data.state] || data.state);
        showBar(data);
        showFailures(data.failures || []);
        if (!data.done) { window.setTimeout(tick, 2000); }
      })
      .catch(function () { window.setTimeout(tick, 5000); });
  }
  window.setTimeout(tick, 1000);
})();
