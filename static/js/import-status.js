/*
 * Import batch page: while the job runs, fetch its status every 2 seconds and update the status region
 * (#import-status, role="status" aria-live="polite") in place; once it has finished, load the page's
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

  function poll(region) {
    fetch(region.getAttribute("data-status-url"), {credentials: "same-origin", cache: "no-store",
                                                   headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (state) {
        if (region.getAttribute("data-last") !== state.html) {
          region.innerHTML = state.html;
          region.setAttribute("data-last", state.html);
        }
        if (state.running) {
          window.setTimeout(function () { poll(region); }, INTERVAL_MS);
        } else {
          region.removeAttribute("data-running");
          replaceBody(region);
        }
      })
      .catch(function () {
        // A failed request (server restarting, network): try again a little later.
        window.setTimeout(function () { poll(region); }, INTERVAL_MS * 2);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var region = document.getElementById("import-status");
    if (region && region.hasAttribute("data-running") && window.fetch) {
      window.setTimeout(function () { poll(region); }, INTERVAL_MS);
    }
  });
})();
