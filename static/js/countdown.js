// Counts a seat hold down to its end (#countdown[data-expires-at]). Two minutes before the end
// the countdown changes look and says so (#countdown-alert is a live region); at zero it says the
// seats were released and takes away what no longer works, without a reload. Exposed for pages
// that swap the countdown in.
(function () {
  "use strict";
  var WARN_AT = 120;
  var timer = null;
  function startCountdown() {
    if (timer) { clearInterval(timer); timer = null; }
    var box = document.getElementById("countdown");
    if (!box) { return; }
    var ends = Date.parse(box.dataset.expiresAt);
    var out = box.querySelector(".remaining");
    var alert = document.getElementById("countdown-alert");
    var warned = false;
    function tick() {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      out.textContent = "(" + minutes + ":" + (seconds < 10 ? "0" : "") + seconds + " left)";
      if (left <= WARN_AT && left > 0 && !warned) {
        warned = true;
        box.classList.add("is-warning");
        alert.textContent = "Less than 2 minutes left: pay soon or seats " + box.dataset.seats + " are released.";
      }
      if (left === 0) {
        clearInterval(timer);
        box.classList.remove("is-warning");
        box.classList.add("is-over");
        out.textContent = "";
        alert.textContent = "Time is up: seats " + box.dataset.seats + " were released. Choose your seats again.";
        document.querySelectorAll("#checkout-link, #release-button, #pay-button, .hold-actions, .needs-hold")
          .forEach(function (el) { el.hidden = true; });
        var heading = box.closest("#booking-panel") && document.getElementById("panel-heading");
        if (heading) { heading.textContent = "Your hold has ended"; }
        var again = document.getElementById("choose-again");
        if (again) { again.hidden = false; }
        document.body.dispatchEvent(new Event("seats-changed"));
      }
    }
    tick();
    timer = setInterval(tick, 1000);
  }
  window.roadpassCountdown = startCountdown;
  document.addEventListener("DOMContentLoaded", startCountdown);
})();
