// The boarding page: scan the ticket's QR code with the phone's camera, put what it reads into
// the code field and submit it. Browsers with BarcodeDetector (Chrome on Android) use it; the
// others (Chromium on Linux, Firefox, Safari on iOS) load the vendored jsQR reader on the first
// tap of "Scan" and decode the camera's frames with it. Without a camera the field is typed
// into, and nothing else changes.
(function () {
  "use strict";

  function loadScript(button) {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) { resolve(); return; }
      var script = document.createElement("script");
      script.src = button.getAttribute("data-reader-src");
      script.integrity = button.getAttribute("data-reader-integrity");
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  // A reader: given the playing video, a promise of the text of a QR code in view, or null.
  function barcodeDetectorReader() {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    return function (video) {
      return detector.detect(video).then(function (codes) {
        return codes.length ? codes[0].rawValue : null;
      });
    };
  }

  function jsQRReader() {
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return function (video) {
      var width = video.videoWidth, height = video.videoHeight;
      if (!width || !height) { return Promise.resolve(null); }
      var scale = Math.min(1, 640 / Math.max(width, height));  // small frames decode fast
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(code && code.data ? code.data : null);
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("scan-button");
    var video = document.getElementById("scan-video");
    var form = document.getElementById("board-form");
    var field = document.getElementById("code");
    if (!button || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
    var native = "BarcodeDetector" in window;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      button.textContent = "Point the camera at the QR code";
      var ready = native ? Promise.resolve(barcodeDetectorReader())
        : loadScript(button).then(jsQRReader);
      ready.then(function (read) {
        return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
          .then(function (stream) {
            video.srcObject = stream;
            video.hidden = false;
            return video.play().then(function () { look(read, stream); });
          });
      }).catch(function () {
        button.disabled = false;
        button.textContent = "Cannot scan here: type the reference";
      });
    });
    function look(read, stream) {
      read(video).then(function (text) {
        if (text) {
          stream.getTracks().forEach(function (track) { track.stop(); });
          field.value = text;
          form.submit();
        } else {
          window.requestAnimationFrame(function () { look(read, stream); });
        }
      }).catch(function () { window.requestAnimationFrame(function () { look(read, stream); }); });
    }
  });
})();
