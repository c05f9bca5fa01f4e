// The manual product link's item search: as the person types, ask the console for the matching QuickBooks
// items (from the per-realm item cache) and put them in the "QuickBooks item" list.
(function () {
  "use strict";
  var input = document.getElementById("item-search");
  var select = document.getElementById("item_id");
  var count = document.getElementById("item-count");
  if (!input || !select) {
    return;
  }
  var timer = null;
  var asked = 0;

  function show(answer) {
    select.textContent = "";
    answer.items.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      select.appendChild(option);
    });
    count.textContent = answer.total > answer.items.length
      ? "Showing " + answer.items.length + " of " + answer.total +
        " matching items: type more of the name or SKU to narrow the list."
      : answer.total + " matching item(s).";
  }

  function search() {
    var ticket = ++asked;
    var url = new URL(input.getAttribute("data-url"), window.location.href);
    url.searchParams.set("query", input.value);
    fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (ticket !== asked) {
          return; // a later search is on its way
        }
        if (answer.error) {
          count.textContent = answer.error;
        } else {
          show(answer);
        }
      })
      .catch(function () {
        count.textContent = "The search did not answer: press Search to try again.";
      });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(search, 250);
  });
})();
