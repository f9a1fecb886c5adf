// A plain POST form is sent once: after the first submit its submit buttons are disabled and the
// form is marked busy, so a double click or a second Enter sends nothing more while the next page
// loads (the server still recognises a repeated job). Forms that htmx sends are left to htmx,
// and a page brought back from the back/forward cache gets its buttons back.
(function () {
  "use strict";

  var HTMX_FORM = "[hx-post], [hx-put], [hx-patch], [hx-delete], [hx-get], " +
    "[data-hx-post], [data-hx-put], [data-hx-patch], [data-hx-delete], [data-hx-get]";
  var HTMX_BOOSTED = '[hx-boost="true"], [data-hx-boost="true"]';

  function submitButtons(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.type === "submit" || el.type === "image";
    });
  }

  function sentByThePage(form) {
    return form.method === "post" && (!form.target || form.target === "_self") &&
      !form.matches(HTMX_FORM) && !form.closest(HTMX_BOOSTED);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !sentByThePage(form)) return;
    if (form.dataset.submitting) {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    form.setAttribute("aria-busy", "true");
    // Disabled a moment later: the browser has then read the form, clicked button included.
    setTimeout(function () {
      submitButtons(form).forEach(function (button) {
        if (button.disabled) return;
        button.disabled = true;
        button.dataset.disabledWhileSending = "true";
      });
    }, 0);
  });

  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      delete form.dataset.submitting;
      form.removeAttribute("aria-busy");
      submitButtons(form).forEach(function (button) {
        if (!button.dataset.disabledWhileSending) return;
        delete button.dataset.disabledWhileSending;
        button.disabled = false;
      });
    });
  });
})();
