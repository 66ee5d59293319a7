// SupportDesk agent workspace: a few progressive enhancements. Every form also works without this file.
//
// Handlers are delegated from the document, so parts of the page that live.js swaps in (the header, the
// conversation, the properties, inbox lists) keep working without being bound again. What has to be set up
// per element (the on-hold reason, the template fields) runs on load and on live.js's "sd:swapped" event.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function closest(event, selector) {
    return event.target && event.target.closest ? event.target.closest(selector) : null;
  }

  // The on-hold reason is asked for only when "On hold" is chosen.
  function syncHold(select) {
    var box = select.form && select.form.querySelector(".hold-reason");
    if (box) box.hidden = select.value !== "on_hold";
  }

  // WhatsApp templates: show only the chosen template's variables.
  function syncTemplate(select) {
    select.form.querySelectorAll("[data-template-fields]").forEach(function (fields) {
      fields.toggleAttribute("data-hidden", fields.dataset.templateFields !== select.value);
    });
  }

  function setUp(root) {
    root.querySelectorAll("select[data-hold-toggle]").forEach(syncHold);
    root.querySelectorAll("select[data-template-picker]").forEach(syncTemplate);
  }

  document.addEventListener("change", function (event) {
    var select = closest(event, "select");
    if (select && select.matches("[data-autosubmit]")) select.form.submit();
    if (select && select.matches("[data-hold-toggle]")) syncHold(select);
    if (select && select.matches("[data-template-picker]")) syncTemplate(select);
    if (select && select.matches("[data-canned-for]")) insertCanned(select);
  });

  // Property forms show their Save button only once something changed.
  function markDirty(event) {
    var form = closest(event, "form.prop");
    if (form) form.classList.add("dirty");
  }
  document.addEventListener("change", markDirty);
  document.addEventListener("input", markDirty);

  // Reply / internal note / template tabs.
  document.addEventListener("click", function (event) {
    var tab = closest(event, ".composer [data-tab]");
    if (!tab) return;
    var composer = tab.closest(".composer");
    composer.dataset.active = tab.dataset.tab;
    var area = composer.querySelector('[data-pane="' + tab.dataset.tab + '"] textarea');
    if (area) area.focus();
  });

  // Canned replies: the server fills the variables; the text is inserted where the cursor is.
  function insertCanned(select) {
    var area = document.getElementById(select.dataset.cannedFor);
    var note = select.parentElement.querySelector("[data-canned-note]");
    var option = select.selectedOptions[0];
    if (!area || !option || !option.dataset.url) return;
    fetch(option.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        var start = area.selectionStart, end = area.selectionEnd;
        area.value = area.value.slice(0, start) + data.text + area.value.slice(end);
        area.focus();
        area.selectionStart = area.selectionEnd = start + data.text.length;
        area.dispatchEvent(new Event("input", { bubbles: true })); // live.js: "replying"
        note.hidden = !data.missing.length;
        note.textContent = data.missing.length ? select.dataset.missingText + " " + data.missing.join(", ") : "";
      })
      .catch(function () {
        note.hidden = false;
        note.textContent = select.dataset.errorText;
      })
      .finally(function () { select.value = ""; });
  }

  document.addEventListener("sd:swapped", function (event) { setUp(event.detail); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  } else {
    setUp(document);
  }
})();
