// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to the error summary so screen readers announce it.
  var summary = document.querySelector("[data-focus]");
  if (summary) summary.focus();
  // Its links move the focus to the field, with the field's question in view.
  if (summary) summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    var set = field.closest("fieldset");
    var question = (set && set.querySelector("legend")) || (field.labels && field.labels[0]) || field;
    question.scrollIntoView();
    field.focus({ preventScroll: true });
  });
  // One click, one submission: a double click does not post the form twice.
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("[data-once]");
    if (!button) return;
    if (event.target.dataset.sent) { event.preventDefault(); return; }
    event.target.dataset.sent = "1";
    setTimeout(function () { button.setAttribute("disabled", ""); }, 0);
  });
  // Long lists (currencies): a box above the list narrows it to the options whose text has
  // every word typed; the first match is chosen when the choice made no longer matches.
  document.querySelectorAll("select[data-filter]").forEach(function (select) {
    if (!select.replaceChildren || !select.before) return; // older browsers: the plain list
    var all = Array.prototype.slice.call(select.options);
    var box = document.createElement("input");
    var label = document.createElement("label");
    var status = document.createElement("span");
    box.type = "search";
    box.id = select.id + "-filter";
    box.className = "input filter";
    box.autocomplete = "off";
    box.setAttribute("aria-controls", select.id);
    label.htmlFor = box.id;
    label.className = "filter-label";
    label.textContent = select.dataset.filter;
    status.className = "vh";
    status.setAttribute("role", "status");
    select.before(label, box, status);
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // narrowing is not sending
    });
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      var found = all.filter(function (option) {
        var text = option.text.toLowerCase();
        return option.value && words.every(function (w) { return text.indexOf(w) >= 0; });
      });
      if (!found.length) { status.textContent = select.dataset.filterNone; return; }
      var chosen = select.value;
      var shown = words.length ? all.filter(function (o) { return !o.value || found.indexOf(o) >= 0; }) : all;
      select.replaceChildren.apply(select, shown);
      if (words.length && found.every(function (o) { return o.value !== chosen; })) select.value = found[0].value;
      else select.value = chosen;
      status.textContent = words.length ? select.dataset.filterCount.replace("{n}", found.length) : "";
    });
  });
  // Copy the email text to the clipboard.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = document.getElementById(button.dataset.copy);
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
      else { field.select(); document.execCommand("copy"); done(); }
    });
  });
})();
