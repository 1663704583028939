// Roadpass browser glue. No inline scripts anywhere: the CSP forbids them.
(function () {
  "use strict";
  // Every htmx request carries the CSRF token from the page's meta tag.
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) { event.detail.headers["X-CSRFToken"] = meta.content; }
  });

  // A failed htmx request is said out loud instead of silently doing nothing.
  function showError(text) {
    var box = document.getElementById("request-error");
    if (!box) { return; }
    box.textContent = text;
    box.hidden = false;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    if (status === 429) {
      showError("Too many attempts. Please wait a minute and try again.");
    } else if (status === 401 || status === 403) {
      showError("Please log in again to continue.");
    } else {
      showError("Something went wrong. Please reload the page and try again.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    showError("You seem to be offline. We will keep trying.");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var box = document.getElementById("request-error");
    if (box && event.detail.successful) { box.hidden = true; }
  });
})();
