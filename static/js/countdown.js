// Counts a seat hold down to its end (#countdown[data-expires-at]); reloads the page when it
// ends so the server can say what happened. Exposed for pages that swap the countdown in.
(function () {
  "use strict";
  var timer = null;
  function startCountdown() {
    if (timer) { clearInterval(timer); timer = null; }
    var box = document.getElementById("countdown");
    if (!box) { return; }
    var ends = Date.parse(box.dataset.expiresAt);
    var out = box.querySelector(".remaining");
    function tick() {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      out.textContent = "(" + minutes + ":" + (seconds < 10 ? "0" : "") + seconds + " left)";
      if (left === 0) {
        clearInterval(timer);
        window.location.reload();
      }
    }
    tick();
    timer = setInterval(tick, 1000);
  }
  window.roadpassCountdown = startCountdown;
  document.addEventListener("DOMContentLoaded", startCountdown);
})();
