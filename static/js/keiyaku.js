/*
 * Keiyaku 契約管理システム — progressive enhancements.
 * No framework, no inline handlers, no eval: safe under a strict CSP
 * (script-src 'self'). Load with <script src="…/keiyaku.js" defer></script>.
 *
 * 1. Focus .error-summary (tabindex="-1") on page load.
 * 2. data-confirm="…" on a <form>, a submit <button>/<input> or a link:
 *    ask window.confirm() first; cancel = nothing is submitted/followed.
 * 3. <button type="button" data-print> calls window.print().
 * 4. <input type="checkbox" data-select-all="NAME">: checks or clears every
 *    checkbox named NAME in the same form (a "select all" for long lists).
 * 5. A list opened at #results (its filter form was submitted): focus the
 *    result count (tabindex="-1"), unless an error summary took the focus.
 * 6. <form data-unsaved-warning>: warn before leaving the page while the
 *    form has changes that were not submitted.
 */
(function () {
  "use strict";

  var CONFIRMED = "keiyakuConfirmed";

  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (!summary) {
      return;
    }
    if (!summary.hasAttribute("tabindex")) {
      summary.setAttribute("tabindex", "-1");
    }
    summary.focus();
  }

  function closest(target, selector) {
    if (!target || target.nodeType !== 1) {
      target = target && target.parentElement;
    }
    return target ? target.closest(selector) : null;
  }

  // Buttons and links carrying their own message (click covers mouse,
  // keyboard and implicit "Enter in a text field" submission).
  document.addEventListener("click", function (event) {
    var printer = closest(event.target, "[data-print]");
    if (printer) {
      event.preventDefault();
      window.print();
      return;
    }

    var el = closest(event.target, "a[data-confirm], button[data-confirm], input[data-confirm]");
    if (!el || el.disabled) {
      return;
    }
    if (!window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    // Do not ask a second time if the enclosing form has data-confirm too.
    // (Cleared on the next tick in case validation stops the submission.)
    var form = el.form;
    if (form) {
      form.dataset[CONFIRMED] = "1";
      window.setTimeout(function () {
        delete form.dataset[CONFIRMED];
      }, 0);
    }
  });

  document.addEventListener("change", function (event) {
    var all = event.target;
    if (!(all instanceof HTMLInputElement) || !all.hasAttribute("data-select-all") || !all.form) {
      return;
    }
    var boxes = all.form.querySelectorAll('input[type="checkbox"][name="' + all.getAttribute("data-select-all") + '"]');
    for (var i = 0; i < boxes.length; i += 1) {
      boxes[i].checked = all.checked;
    }
  });

  // Forms carrying the message themselves.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var already = form.dataset[CONFIRMED] === "1";
    delete form.dataset[CONFIRMED];
    if (already || !form.hasAttribute("data-confirm")) {
      return;
    }
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  function focusResults() {
    if (window.location.hash !== "#results" || document.querySelector(".error-summary")) {
      return;
    }
    var results = document.getElementById("results");
    if (results) {
      results.focus();
    }
  }

  // Unsaved changes: remember that a watched form was edited; leaving the
  // page asks first, submitting the form itself does not.
  var dirtyForms = [];
  function watchUnsaved() {
    var forms = document.querySelectorAll("form[data-unsaved-warning]");
    for (var i = 0; i < forms.length; i += 1) {
      (function (form) {
        var mark = function () {
          if (dirtyForms.indexOf(form) < 0) {
            dirtyForms.push(form);
          }
        };
        form.addEventListener("input", mark);
        form.addEventListener("change", mark);
        form.addEventListener("submit", function () {
          dirtyForms = [];
        });
      })(forms[i]);
    }
    if (forms.length) {
      window.addEventListener("beforeunload", function (event) {
        if (dirtyForms.length) {
          event.preventDefault();
          event.returnValue = "";
        }
      });
    }
  }

  function start() {
    focusErrorSummary();
    focusResults();
    watchUnsaved();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
