/* Liuyan portal: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the error summary so screen-reader and keyboard users land on what to fix.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }

    // Reply templates: choosing one fills the reply editor (the server-side ?template= link does the same).
    document.querySelectorAll("select[data-template-target]").forEach(function (select) {
      select.addEventListener("change", function () {
        var option = select.options[select.selectedIndex];
        var target = document.querySelector(select.getAttribute("data-template-target"));
        if (!target || !option || !option.dataset.body) { return; }
        if (target.value.trim() && !window.confirm(select.dataset.confirm || "Replace the text?")) { return; }
        target.value = option.dataset.body;
        target.focus();
      });
    });

    // "Select all" boxes for bulk actions.
    document.querySelectorAll("input[data-select-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        document.querySelectorAll("input[name='" + box.dataset.selectAll + "']").forEach(function (other) {
          other.checked = box.checked;
        });
      });
    });

    // Ask before irreversible actions.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });

    // Characters left in long text fields.
    document.querySelectorAll("textarea[maxlength], input[maxlength][data-count]").forEach(function (field) {
      var note = document.createElement("p");
      note.className = "help";
      note.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", note);
      var update = function () {
        var left = field.maxLength - field.value.length;
        note.textContent = (document.documentElement.lang === "en" ? "Characters left: " : "剩余字数：") + left;
      };
      field.addEventListener("input", update);
      update();
    });
  });
})();

/* Filter forms: changing a select applies it at once (the button stays for keyboards and no-script). */
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });
});
