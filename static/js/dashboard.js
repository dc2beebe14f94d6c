// The supervisor's dashboard: the overdue and high-risk figures follow the live events
// (/ws/events/). Any event that can change them triggers one fetch of the figures from
// the server, so the numbers are always the database's, never counted in the browser.
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-live-url");
  var printBtn = document.getElementById("print-page");
  if (printBtn) printBtn.addEventListener("click", function () { window.print(); });
  if (!url || !("WebSocket" in window)) return;
  var dot = document.getElementById("live-status");
  var note = document.getElementById("live-note");
  var RELEVANT = {
    "deadline.overdue": 1, "case.risk_flagged": 1, "case.transitioned": 1,
    "case.created": 1, "deadline.approaching": 1
  };
  var delay = 1000, pending = null, updates = 0;

  function show(id, value) {
    var box = document.getElementById(id);
    if (!box) return;
    var v = box.querySelector(".value");
    if (v.textContent !== String(value)) {
      v.textContent = String(value);
      box.classList.add("changed");
    }
  }

  function refresh() {
    pending = null;
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (f) {
        show("fig-overdue", f.overdue);
        show("fig-high-risk", f.high_risk);
        updates += 1;
        body.setAttribute("data-live-updates", String(updates));
        if (note) note.hidden = false;
      })
      .catch(function () { /* keep the rendered figures */ });
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try { socket = new WebSocket(proto + location.host + "/ws/events/"); } catch (e) { return retry(); }
    socket.onopen = function () {
      delay = 1000;
      if (dot) dot.hidden = false;
      body.setAttribute("data-live-ready", "1");
    };
    socket.onmessage = function (msg) {
      var ev;
      try { ev = JSON.parse(msg.data); } catch (e) { return; }
      if (!ev || (!RELEVANT[ev.type] && ev.type !== "resync_required")) return;
      if (!pending) pending = setTimeout(refresh, 300);
    };
    socket.onclose = function () { if (dot) dot.hidden = true; retry(); };
  }

  function retry() {
    setTimeout(connect, delay + Math.floor(Math.random() * 500));
    delay = Math.min(delay * 2, 30000);
  }

  connect();
})();
