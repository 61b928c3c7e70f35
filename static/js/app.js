// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // A language button posts the page's form to the language change (keeping what was typed);
  // no enhancement may take that post over. Older browsers have no event.submitter: the
  // button last clicked tells instead.
  var clicked = null;
  document.addEventListener("click", function (event) {
    clicked = event.target.closest ? event.target.closest("button[formaction]") : null;
  }, true);
  function switching(event) {
    var by = event.submitter !== undefined ? event.submitter : clicked;
    return !!(by && by.hasAttribute("formaction"));
  }

  // What each page gets, again after a page is swapped in place (see "inline" below).
  function enhance(root) {
    // Move focus to the error summary so screen readers announce it.
    var summary = root.querySelector("[data-focus]");
    if (summary) summary.focus();
    // Its links move the focus to the field, with the field's question in view.
    if (summary) summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var field = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      toField(field);
    });
    root.querySelectorAll("select[data-filter]").forEach(filterable);
    root.querySelectorAll("input[type=radio][data-aria-controls]").forEach(reveals);
    // Copy the email text to the clipboard.
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var field = document.getElementById(button.dataset.copy);
        var done = function () { button.textContent = button.dataset.copied; };
        if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
        else { field.select(); document.execCommand("copy"); done(); }
      });
    });
    return summary;
  }

  function toField(field) {
    var set = field.closest("fieldset");
    var question = (set && set.querySelector("legend")) || (field.labels && field.labels[0]) || field;
    question.scrollIntoView();
    field.focus({ preventScroll: true });
  }

  // A "Change" link of the check-answers page names its field (/claim/member#email):
  // browsers scroll to it but leave the focus where it was; take it there.
  function toFragment() {
    var id = location.hash ? decodeURIComponent(location.hash.slice(1)) : "";
    var field = id && document.getElementById(id);
    if (field && /^(INPUT|SELECT|TEXTAREA)$/.test(field.tagName) && field.closest("#answers")) toField(field);
  }

  // GOV.UK's conditional reveal: an answer that reveals a question below it controls it
  // (aria-controls). GOV.UK also sets aria-expanded, which ARIA allows on a checkbox but not
  // on a radio (axe-core: aria-allowed-attr, critical; govuk-frontend issue 979), so a radio
  // goes without: the revealed question follows it straight away in reading order. Every
  // radio of the group can change it, and only the chosen one fires an event, so each
  // change syncs the whole group.
  function reveals(input) {
    var target = document.getElementById(input.getAttribute("data-aria-controls"));
    if (!target) return;
    input.setAttribute("aria-controls", target.id);
    input.removeAttribute("data-aria-controls");
    var sync = function () {
      if (input.type === "checkbox") input.setAttribute("aria-expanded", input.checked ? "true" : "false");
      target.classList.toggle("conditional-hidden", !input.checked);
    };
    sync();
    var group = input.form ? input.form.elements[input.name] : [input];
    Array.prototype.forEach.call(group.length === undefined ? [group] : group, function (radio) {
      radio.addEventListener("change", sync);
    });
  }

  // Long lists (currencies): a box above the list narrows it to the options whose text has
  // every word typed. Typing never changes the choice: the option chosen (a default, like
  // KES for Kenya) stays chosen and listed first until the member chooses another in the
  // list (a click, or arrow keys: Enter or Down in the box goes to the list).
  function filterable(select) {
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
      if (event.key !== "Enter" && event.key !== "ArrowDown") return;
      event.preventDefault(); // narrowing is neither sending nor choosing
      select.focus();
    });
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      var found = all.filter(function (option) {
        var text = option.text.toLowerCase();
        return option.value && words.every(function (w) { return text.indexOf(w) >= 0; });
      });
      if (!found.length) { status.textContent = select.dataset.filterNone; return; }
      var chosen = select.value;
      var kept = all.filter(function (o) { return o.value && o.value === chosen && found.indexOf(o) < 0; });
      var shown = words.length ? all.filter(function (o) { return !o.value; }).concat(kept, found) : all;
      select.replaceChildren.apply(select, shown);
      select.value = chosen;
      status.textContent = !words.length ? "" : kept.length
        ? select.dataset.filterKept.replace("{n}", found.length).replace("{chosen}", kept[0].text)
        : select.dataset.filterCount.replace("{n}", found.length);
    });
  }

  // Add another (and change, remove) without a reload: links and forms marked data-inline
  // fetch the next page and swap it in place of this one. The server answers exactly as it
  // does for a plain browser (redirect after POST, the same HTML, error pages included), so
  // nothing here decides anything. A POST is never sent twice: once the server has answered,
  // whatever goes wrong ends in an ordinary load of the page it answered with.
  var shown = location.href.split("#")[0];
  var busy = false; // one in-place request at a time: list positions must not shift under it
  function swap(html, url) {
    var next = new DOMParser().parseFromString(html, "text/html");
    document.title = next.title;
    document.body.replaceWith(document.adoptNode(next.body));
    if (url.split("#")[0] !== shown) history.pushState({ inline: true }, "", url);
    shown = url.split("#")[0];
    var summary = enhance(document);
    if (!summary) {
      // What was just done ("Expense 2 saved") if the page says so, else its heading.
      var target = document.querySelector("main .notice[tabindex]") || document.querySelector("main h1");
      if (target) { if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1"); target.focus(); }
    }
  }
  function go(url, options, fallback) {
    busy = true;
    fetch(url, Object.assign({ credentials: "same-origin" }, options)).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (new URL(response.url).origin !== location.origin || type.indexOf("text/html") !== 0) {
        location.href = response.url;
        return;
      }
      return response.text().then(function (html) { swap(html, response.url); })
        .catch(function () { location.href = response.url; });
    }, fallback).then(function () { busy = false; });
  }
  if (window.fetch && window.DOMParser && history.pushState) {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[data-inline]");
      if (!link || event.defaultPrevented || event.button || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      if (!busy) go(link.href, {}, function () { location.href = link.href; });
    });
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute("data-inline") || event.defaultPrevented) return;
      if (switching(event)) return; // the language switcher: an ordinary post
      event.preventDefault();
      if (busy) return;
      var data;
      try { data = new FormData(form, event.submitter); } catch (e) { data = new FormData(form); }
      // Only a POST that never reached the server is sent again, the ordinary way.
      go(form.action, { method: "POST", body: new URLSearchParams(data) },
         function () { HTMLFormElement.prototype.submit.call(form); });
    });
    // Back and forward across swapped pages load the page the address now shows; a move
    // within the page (the skip link, an error summary link) is left alone.
    window.addEventListener("popstate", function () {
      if (location.href.split("#")[0] !== shown) location.reload();
    });
  }

  // Files over the size limits are named before sending: the server refuses a request over
  // its limit before reading it, and then cannot tell which file it was.
  document.addEventListener("submit", function (event) {
    var input = event.target.querySelector("input[type=file][data-max-file]");
    if (!input || !input.files || switching(event)) return;
    var d = input.dataset, total = 0, problems = [];
    Array.prototype.forEach.call(input.files, function (file) {
      total += file.size;
      if (file.size > +d.maxFile) problems.push(d.fileTooLarge.replace("{file}", file.name));
    });
    if (!problems.length && total > +d.maxTotal) problems.push(d.tooMuch.replace("{size}", (total / 1048576).toFixed(1)));
    if (!problems.length) return;
    event.preventDefault();
    var group = input.closest(".group"), shown = document.createElement("p");
    group.querySelectorAll(".error-message").forEach(function (p) { p.remove(); });
    shown.className = "error-message";
    shown.id = "file-error0";
    input.before(shown);
    input.setAttribute("aria-describedby", "file-hint file-error0");
    shown.textContent = "";
    problems.forEach(function (text, i) {
      var prefix = document.createElement("span");
      prefix.className = "vh";
      prefix.textContent = d.errorPrefix;
      if (i) shown.appendChild(document.createElement("br"));
      shown.append(prefix, " " + text);
    });
    group.classList.add("group-error");
    // The summary keeps the page's other problems (a kind still to choose); the file's
    // earlier ones give way to these.
    var summary = document.querySelector(".error-summary"), list;
    if (summary) {
      list = summary.querySelector("ul");
      list.querySelectorAll("a[href='#file']").forEach(function (a) { a.parentNode.remove(); });
    } else {
      summary = document.createElement("div");
      list = document.createElement("ul");
      var title = document.createElement("h2");
      summary.className = "error-summary";
      summary.setAttribute("role", "alert");
      summary.tabIndex = -1;
      title.textContent = d.problem;
      summary.append(title, list);
      document.getElementById("main").prepend(summary);
    }
    problems.forEach(function (text) {
      var item = document.createElement("li"), link = document.createElement("a");
      link.href = "#file";
      link.textContent = text;
      item.appendChild(link);
      list.appendChild(item);
    });
    if (document.title.indexOf(d.errorPrefix) !== 0) document.title = d.errorPrefix + " " + document.title;
    summary.focus();
  });

  // One click, one submission: a double click does not post the form twice.
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("[data-once]");
    if (!button || event.defaultPrevented || event.target.hasAttribute("data-inline") || switching(event)) return;
    if (event.target.dataset.sent) { event.preventDefault(); return; }
    event.target.dataset.sent = "1";
    setTimeout(function () { button.setAttribute("disabled", ""); }, 0);
  });

  if (!enhance(document)) toFragment();
})();
