// Settings › OpenBoxes: ask the console for the facilities OpenBoxes lists and, when there are some, turn the
// typed location id into a list to pick from (the saved id stays chosen). Without script, or when OpenBoxes
// cannot be asked, the typed id stays and the help says why.
(function () {
  "use strict";
  var help = document.getElementById("location-help");
  var input = document.getElementById("location_id");
  var note = document.getElementById("location-problem");
  if (!help || !input || !note) {
    return;
  }

  function option(value, label, selected) {
    var item = document.createElement("option");
    item.value = value;
    item.textContent = label;
    item.selected = selected;
    return item;
  }

  function picker(choices) {
    var select = document.createElement("select");
    select.id = input.id;
    select.name = input.name;
    select.className = "custom-select" + (input.classList.contains("is-invalid") ? " is-invalid" : "");
    select.setAttribute("aria-describedby", "location-help");
    var current = input.value;
    var known = choices.some(function (pair) { return pair[0] === current; });
    if (!current) {
      select.appendChild(option("", "Pick the facility…", true));
    }
    choices.forEach(function (pair) {
      select.appendChild(option(pair[0], pair[1], pair[0] === current));
    });
    if (current && !known) {
      select.appendChild(option(current, current + " (not in OpenBoxes' list)", true));
    }
    return select;
  }

  fetch(help.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (answer) {
      if (answer.choices && answer.choices.length) {
        input.replaceWith(picker(answer.choices));
        note.textContent = "The list comes from OpenBoxes.";
      } else {
        note.textContent = answer.problem;
      }
    })
    .catch(function () {
      note.textContent = "The list of locations could not be read: type the location id.";
    });
})();
