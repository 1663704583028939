// Seat map behaviour: choose seats, show the price; countdown.js counts the hold down.
// Seat buttons are replaced every few seconds by htmx polling; the chosen seats live here and
// are re-applied after each swap, so polling never loses the passenger's choice.
(function () {
  "use strict";
  var chosen = [];
  var naira = new Intl.NumberFormat("en-NG", { style: "currency", currency: "NGN" });

  function form() { return document.getElementById("hold-form"); }

  function render() {
    var map = document.getElementById("seat-map");
    if (map) {
      map.querySelectorAll("button.seat").forEach(function (button) {
        var on = chosen.indexOf(button.dataset.seat) !== -1;
        if (button.hasAttribute("aria-pressed")) {
          button.setAttribute("aria-pressed", on ? "true" : "false");
          button.querySelector("small").textContent = on ? "chosen" : "free";
        }
        button.classList.toggle("is-selected", on);
      });
    }
    var f = form();
    if (!f) { return; }
    document.getElementById("selected-seats").value = chosen.join(",");
    var summary = document.getElementById("selection-summary");
    var button = document.getElementById("hold-button");
    if (chosen.length === 0) {
      summary.textContent = "Choose up to " + f.dataset.max + " free seats on the map.";
    } else {
      var fare = Number(f.dataset.fare) * chosen.length;
      var fee = Number(f.dataset.fee) * chosen.length;
      summary.textContent = "Seat" + (chosen.length > 1 ? "s " : " ") + chosen.join(", ") + ": " +
        naira.format(fare / 100) + " + " + naira.format(fee / 100) + " service fee = " +
        naira.format((fare + fee) / 100);
    }
    if (button) { button.disabled = chosen.length === 0; }
  }

  function toggle(label) {
    var f = form();
    var at = chosen.indexOf(label);
    if (at !== -1) {
      chosen.splice(at, 1);
    } else if (f && chosen.length >= Number(f.dataset.max)) {
      document.getElementById("selection-summary").textContent =
        "You can hold at most " + f.dataset.max + " seats in one booking.";
      return;
    } else {
      chosen.push(label);
    }
    render();
  }

  // Drop chosen seats that someone else has taken since, and say so.
  function reconcile() {
    var lost = chosen.filter(function (label) {
      var button = document.getElementById("seat-" + label);
      return !button || button.dataset.state !== "available";
    });
    if (lost.length) {
      chosen = chosen.filter(function (label) { return lost.indexOf(label) === -1; });
      render();
      var summary = document.getElementById("selection-summary");
      if (summary) { summary.textContent = "Seat " + lost.join(", ") + " was just taken. " + summary.textContent; }
    } else {
      render();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("#seat-map button.seat");
    if (!button || button.getAttribute("aria-disabled") === "true") { return; }
    toggle(button.dataset.seat);
  });

  // An unchanged map (same ETag) is not swapped at all: no flicker, focus stays put.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "seat-map") {
      var etag = event.detail.xhr.getResponseHeader("ETag");
      if (etag && etag === target.dataset.etag) { event.detail.shouldSwap = false; }
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "booking-panel") {
      chosen = [];
      window.roadpassCountdown();
      // On a phone the panel sits below the map: bring the result of the hold into view.
      var panel = document.getElementById("booking-panel");
      if (panel) { panel.scrollIntoView({ block: "nearest" }); }
    }
    reconcile();
  });

  document.addEventListener("DOMContentLoaded", function () {
    render();
  });
})();
