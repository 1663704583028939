// Seat map behaviour: a WAI-ARIA grid (one Tab stop, arrow keys move, Space/Enter choose), the
// price of the choice, and focus on the panel after Hold. countdown.js counts the hold down.
// htmx replaces the map every few seconds: the chosen seats and the focused seat live here and
// are re-applied after each swap, so polling never loses the passenger's choice or place.
(function () {
  "use strict";
  var chosen = [];
  var current = null; // label of the seat that holds the grid's one Tab stop
  var naira = new Intl.NumberFormat("en-NG", { style: "currency", currency: "NGN" });

  function label(button) { return button.id.slice(5); } // "seat-3A" → "3A"
  function form() { return document.getElementById("hold-form"); }
  function all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }
  function seats() { return all(document, "#seat-map button.seat"); }
  function say(text) {
    var box = document.getElementById("seat-announcer");
    if (box) { box.textContent = ""; window.setTimeout(function () { box.textContent = text; }, 50); }
  }

  function render() {
    var all = seats();
    if (all.length && !all.some(function (b) { return label(b) === current; })) {
      var free = all.filter(function (b) { return b.hasAttribute("aria-pressed"); });
      current = label(free[0] || all[0]);
    }
    all.forEach(function (button) {
      var on = chosen.indexOf(label(button)) !== -1;
      if (button.hasAttribute("aria-pressed")) {
        button.setAttribute("aria-pressed", on ? "true" : "false");
        button.querySelector("small").textContent = on ? "chosen" : "free";
        button.setAttribute("aria-label", "Seat " + label(button) + ", " + (on ? "chosen" : "free"));
      }
      button.classList.toggle("is-selected", on);
      button.tabIndex = label(button) === current ? 0 : -1;
    });
    var login = document.getElementById("login-to-hold");
    if (login) {
      var next = login.dataset.trip + (chosen.length ? "?seats=" + encodeURIComponent(chosen.join(",")) : "");
      login.href = login.dataset.base + "?next=" + encodeURIComponent(next);
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
      say("Seat " + label + " no longer chosen.");
    } else if (f && chosen.length >= Number(f.dataset.max)) {
      var text = "You can hold at most " + f.dataset.max + " seats in one booking.";
      document.getElementById("selection-summary").textContent = text;
      say(text);
      return;
    } else {
      chosen.push(label);
      say("Seat " + label + " chosen. " + chosen.length + " of at most " + (f ? f.dataset.max : "") + ".");
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
      var text = "Seat " + lost.join(", ") + " was just taken. ";
      if (summary) { summary.textContent = text + summary.textContent; }
      say(text);
    } else {
      render();
    }
  }

  // Arrow keys move between cells of a deck's grid, skipping gaps; Home/End go along the row.
  function move(button, key) {
    var rows = all(button.closest("[role=grid]"), "[role=row]").map(function (row) {
      return all(row, "[role=gridcell]");
    });
    var cell = button.closest("[role=gridcell]");
    var r = 0, c = 0;
    rows.forEach(function (row, i) { var j = row.indexOf(cell); if (j !== -1) { r = i; c = j; } });
    var step = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[key];
    var target = null;
    if (key === "Home" || key === "End") {
      var inRow = all(rows[r][0].parentNode, "button.seat");
      target = key === "Home" ? inRow[0] : inRow[inRow.length - 1];
    } else {
      for (var i = r + step[0], j = c + step[1]; i >= 0 && i < rows.length && j >= 0 && j < rows[i].length;
        i += step[0], j += step[1]) {
        var found = rows[i][j] && rows[i][j].querySelector("button.seat");
        if (found) { target = found; break; }
      }
    }
    if (target) {
      current = label(target);
      render();
      target.focus();
    }
  }

  document.addEventListener("keydown", function (event) {
    var button = event.target.closest && event.target.closest("#seat-map button.seat");
    if (!button) { return; }
    if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End"].indexOf(event.key) !== -1) {
      event.preventDefault();
      move(button, event.key);
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("#seat-map button.seat");
    if (!button) { return; }
    current = label(button);
    if (button.getAttribute("aria-disabled") === "true") { render(); return; }
    toggle(label(button));
  });

  // An unchanged map (same ETag) is not swapped at all: no flicker, focus stays put.
  var hadFocus = false;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (target && target.id === "seat-map") {
      var etag = event.detail.xhr.getResponseHeader("ETag");
      if (etag && etag === target.dataset.etag) { event.detail.shouldSwap = false; }
      hadFocus = target.contains(document.activeElement);
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && target.id === "booking-panel") {
      var panel = document.getElementById("booking-panel");
      var refused = document.getElementById("panel-error");
      if (!refused) { chosen = []; }
      window.roadpassCountdown();
      var heading = document.getElementById("panel-heading");
      if (heading) { heading.focus(); }
      var held = document.getElementById("held-seats");
      say(refused ? refused.textContent.trim() : held ? "Seats " + held.textContent +
        " are held for you until " + document.querySelector("#countdown time").textContent + "." : "Your seats are released.");
      // On a phone the panel sits below the map: bring the result of the hold into view.
      if (panel) { panel.scrollIntoView({ block: "nearest" }); }
    }
    reconcile();
    if (target && target.id === "seat-map" && hadFocus && current) {
      var again = document.getElementById("seat-" + current);
      if (again) { again.focus(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var f = form();
    if (f && f.dataset.chosen) {
      chosen = f.dataset.chosen.split(",").filter(function (label) {
        var button = document.getElementById("seat-" + label);
        return button && button.hasAttribute("aria-pressed");
      });
      if (chosen.length) { current = chosen[0]; }
    }
    render();
  });
})();
