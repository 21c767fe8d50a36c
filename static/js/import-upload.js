/*
 * Import upload page: choosing 「取り込むデータ」 offers only that kind's profiles and selects its standard
 * one (the first), and shows only that kind's options (取込の指定). The kinds' profile names come from the form's data-kind-profiles (JSON). Without
 * JavaScript the server does the same on submit: a profile of another kind is replaced by the kind's
 * standard profile. No framework, no inline handlers: safe under script-src 'self'.
 */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form");
    var kind = document.getElementById("kind");
    var profile = document.getElementById("profile");
    if (!form || !kind || !profile || kind.tagName !== "SELECT") {
      return;
    }
    var byKind;
    try {
      byKind = JSON.parse(form.getAttribute("data-kind-profiles") || "{}");
    } catch (e) {
      return;
    }
    kind.addEventListener("change", function () {
      // Only the chosen kind's options are shown and sent (a hidden, disabled fieldset sends nothing).
      Array.prototype.forEach.call(form.querySelectorAll("[data-kind-options]"), function (group) {
        var other = group.getAttribute("data-kind-options") !== kind.value;
        group.hidden = other;
        group.disabled = other;
      });
      var names = byKind[kind.value] || [];
      while (profile.options.length) {
        profile.remove(0);
      }
      names.forEach(function (name, index) {
        profile.add(new Option(name, name, index === 0, index === 0));
      });
    });
  });
})();
