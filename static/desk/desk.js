// SupportDesk agent workspace: a few progressive enhancements. Every form also works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Language (and other marked) selects submit their form as soon as they change.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Property forms show their Save button only once something changed.
  document.querySelectorAll("form.prop").forEach(function (form) {
    var mark = function () { form.classList.add("dirty"); };
    form.addEventListener("change", mark);
    form.addEventListener("input", mark);
  });

  // The on-hold reason is asked for only when "On hold" is chosen.
  document.querySelectorAll("select[data-hold-toggle]").forEach(function (select) {
    var box = select.form.querySelector(".hold-reason");
    var sync = function () { box.hidden = select.value !== "on_hold"; };
    select.addEventListener("change", sync);
    sync();
  });

  // Reply / internal note tabs.
  document.querySelectorAll(".composer").forEach(function (composer) {
    composer.querySelectorAll("[data-tab]").forEach(function (tab) {
      tab.addEventListener("click", function () {
        composer.dataset.active = tab.dataset.tab;
        var area = composer.querySelector('[data-pane="' + tab.dataset.tab + '"] textarea');
        if (area) { area.focus(); }
      });
    });
  });

  // WhatsApp templates: show only the chosen template's variables.
  document.querySelectorAll("select[data-template-picker]").forEach(function (select) {
    var sync = function () {
      select.form.querySelectorAll("[data-template-fields]").forEach(function (fields) {
        fields.toggleAttribute("data-hidden", fields.dataset.templateFields !== select.value);
      });
    };
    select.addEventListener("change", sync);
    sync();
  });

  // Canned replies: the server fills the variables; the text is inserted where the cursor is.
  document.querySelectorAll("select[data-canned-for]").forEach(function (select) {
    var area = document.getElementById(select.dataset.cannedFor);
    var note = select.parentElement.querySelector("[data-canned-note]");
    select.addEventListener("change", function () {
      var option = select.selectedOptions[0];
      if (!option || !option.dataset.url) { return; }
      fetch(option.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (data) {
          var start = area.selectionStart, end = area.selectionEnd;
          area.value = area.value.slice(0, start) + data.text + area.value.slice(end);
          area.focus();
          area.selectionStart = area.selectionEnd = start + data.text.length;
          note.hidden = !data.missing.length;
          note.textContent = data.missing.length ? select.dataset.missingText + " " + data.missing.join(", ") : "";
        })
        .catch(function () {
          note.hidden = false;
          note.textContent = select.dataset.errorText;
        })
        .finally(function () { select.value = ""; });
    });
  });
})();
