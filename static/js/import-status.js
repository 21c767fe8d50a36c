/*
 * Import batch page: while the job runs, fetch its status every 2 seconds and update the status region
 * (#import-status, role="status" aria-live="polite", aria-busy while running so that the row counts are not read
 * out every 2 seconds) in place; once it has finished, load the page's
 * result part (#import-body) the same way, so nothing reloads and the reading position stays.
 * Without JavaScript the region's "最新の状態に更新" link reloads the page by hand.
 * No framework, no inline handlers: safe under script-src 'self'.
 */
(function () {
  "use strict";

  var INTERVAL_MS = 2000;

  function replaceBody(region) {
    fetch(window.location.href, {credentials: "same-origin", cache: "no-store"})
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) {
          return;
        }
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("import-body");
        var body = document.getElementById("import-body");
        if (fresh && body) {
          body.replaceWith(document.importNode(fresh, true));
        }
      })
      .catch(function () { /* the region already says it has finished; the link still works */ });
  }

  var MAX_FAILURES = 5;

  function giveUp(region) {
    // Stop asking and say so in the region (the login may have expired): the region's link reloads the page.
    region.removeAttribute("aria-busy");
    var note = document.createElement("p");
    note.textContent = "状態を自動で確かめられなくなりました（ログインの有効時間が過ぎた可能性があります）。" +
      "「最新の状態に更新」でページを読み込み直してください。";
    region.appendChild(note);
  }

  function poll(region, failures) {
    fetch(region.getAttribute("data-status-url"), {credentials: "same-origin", cache: "no-store",
                                                   headers: {"Accept": "application/json"}})
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (response.redirected || response.status === 403 || response.status === 404) {
          return "stop";  // the login page, or a page this user may no longer see: asking again will not help
        }
        if (!response.ok || type.indexOf("application/json") === -1) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        if (state === "stop") {
          giveUp(region);
          return;
        }
        if (region.getAttribute("data-last") !== state.html) {
          region.innerHTML = state.html;
          region.setAttribute("data-last", state.html);
        }
        if (state.running) {
          window.setTimeout(function () { poll(region, 0); }, INTERVAL_MS);
        } else {
          // Finished: no longer busy, so screen readers announce the final state once.
          region.removeAttribute("data-running");
          region.removeAttribute("aria-busy");
          replaceBody(region);
        }
      })
      .catch(function () {
        // A failed request (server restarting, network): try again a little later, a few times.
        if (failures + 1 >= MAX_FAILURES) {
          giveUp(region);
        } else {
          window.setTimeout(function () { poll(region, failures + 1); }, INTERVAL_MS * 2);
        }
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var region = document.getElementById("import-status");
    if (region && region.hasAttribute("data-running") && window.fetch) {
      window.setTimeout(function () { poll(region, 0); }, INTERVAL_MS);
    }
  });
})();
