// The boarding page: scan the ticket's QR code with the phone's camera where the browser has
// BarcodeDetector, put what it reads into the code field and submit it. Without it (or without
// a camera) the field is typed into, and nothing else changes.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("scan-button");
    var video = document.getElementById("scan-video");
    var form = document.getElementById("board-form");
    var field = document.getElementById("code");
    if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
        .then(function (stream) {
          video.srcObject = stream;
          video.hidden = false;
          return video.play().then(function () { look(detector, stream); });
        })
        .catch(function () { button.textContent = "No camera: type the reference"; });
    });
    function look(detector, stream) {
      detector.detect(video).then(function (codes) {
        if (codes.length) {
          stream.getTracks().forEach(function (track) { track.stop(); });
          field.value = codes[0].rawValue;
          form.submit();
        } else {
          window.requestAnimationFrame(function () { look(detector, stream); });
        }
      }).catch(function () { window.requestAnimationFrame(function () { look(detector, stream); }); });
    }
  });
})();
