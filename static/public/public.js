// Small helpers for the public pages; every page works without them (the server checks everything).
(function () {
  "use strict";

  // The order number is required for topics about an order: show it as soon as such a topic is chosen.
  function syncOrderField(select) {
    var option = select.options[select.selectedIndex];
    var needsOrder = Boolean(option && option.dataset.concernsOrder);
    var field = document.getElementById("field-order_ref");
    if (!field) return;
    field.classList.toggle("is-needed", needsOrder);
    var star = field.querySelector(".order-required");
    var optional = field.querySelector(".optional");
    if (star) star.hidden = !needsOrder;
    if (optional) optional.hidden = needsOrder;
    var input = field.querySelector("input");
    if (input) input.setAttribute("aria-required", needsOrder ? "true" : "false");
  }

  function formatSize(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  // List the chosen files, marking those the server would refuse for their number or size.
  function listFiles(input) {
    var list = document.querySelector('[data-file-list-for="' + input.id + '"]');
    if (!list) return;
    var maxFiles = parseInt(input.dataset.maxFiles || "5", 10);
    var maxBytes = parseInt(input.dataset.maxBytes || "4718592", 10);
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " · " + formatSize(file.size);
      if (file.size > maxBytes) {
        item.className = "bad";
        item.textContent += " · " + list.dataset.tooLarge;
      }
      list.appendChild(item);
    });
    if (input.files.length > maxFiles) {
      var warning = document.createElement("li");
      warning.className = "bad";
      warning.textContent = list.dataset.tooMany;
      list.appendChild(warning);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var category = document.getElementById("id_category");
    if (category) {
      syncOrderField(category);
      category.addEventListener("change", function () { syncOrderField(category); });
    }
    document.querySelectorAll('input[type="file"]').forEach(function (input) {
      input.addEventListener("change", function () { listFiles(input); });
    });
    // One click sends once; the server also ignores a second copy of the same form.
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function () {
        var button = form.querySelector('button[type="submit"]');
        if (!button) return;
        window.setTimeout(function () {
          button.disabled = true;
          if (button.dataset.sending) button.textContent = button.dataset.sending;
        }, 0);
      });
    });
  });
})();
