// Live updates over /ws/events/ (DESIGN.md §5). Server messages are event JSON; the client
// resumes from the last id it saw, so nothing is lost across a reconnect. Without a socket
// server the page simply stays as rendered.
(function () {
  "use strict";
  if (window.datiaojieLive) return; // loaded by the base page and by a page of its own
  var body = document.body;
  // Every signed-in page listens (alerts); lists and case pages also update in place.
  var mode = body.getAttribute("data-live") || (document.getElementById("alerts-bar") ? "page" : null);
  if (!mode || !("WebSocket" in window)) return;
  window.datiaojieLive = { lastId: function () { return lastId; } };
  var ALERTS = { "deadline.approaching": 1, "deadline.overdue": 1, "case.risk_flagged": 1, "session.waiting": 1 };
  var conn = document.getElementById("live-conn");
  var everOpen = false;

  var KEY = "dtj:lastEventId";
  var caseId = parseInt(body.getAttribute("data-case") || "0", 10);
  var labelsEl = document.getElementById("state-labels");
  var labels = labelsEl ? JSON.parse(labelsEl.textContent) : {};
  var liveEl = document.getElementById("live-labels");
  var more = liveEl ? JSON.parse(liveEl.textContent) : {};
  var opLabels = more.transitions || {};
  var eventLabels = more.events || {};
  var dot = document.getElementById("live-status");
  var delay = 1000;
  var socket = null;
  var refreshing = false;
  var refreshAgain = false;
  var dirty = false;

  function stored() {
    try { return parseInt(sessionStorage.getItem(KEY) || "0", 10) || 0; } catch (e) { return 0; }
  }
  // The page is current as of the id it was rendered with; never resume from further back.
  var lastId = Math.max(stored(), parseInt(body.getAttribute("data-last-event") || "0", 10) || 0);
  function remember(id) {
    if (id > lastId) lastId = id;
    try { sessionStorage.setItem(KEY, String(lastId)); } catch (e) { /* private mode */ }
  }
  remember(lastId);

  function showBanner() {
    var b = document.getElementById("live-banner");
    if (b) b.hidden = false;
  }
  var reloadLink = document.getElementById("live-banner-reload");
  if (reloadLink) reloadLink.addEventListener("click", function (e) { e.preventDefault(); location.reload(); });

  // Forms being filled in are never replaced under the user's hands.
  document.addEventListener("input", function (e) {
    if (e.target.closest && e.target.closest("form[data-track-dirty]")) dirty = true;
  });

  function setBadge(container, state) {
    if (!container) return;
    var badge = container.querySelector(".badge.state");
    if (!badge) return;
    badge.className = "badge state state-" + state;
    badge.setAttribute("data-state", state);
    badge.textContent = labels[state] || state;
  }

  function fmt(at) {
    var d = new Date(at);
    if (isNaN(d)) return at;
    // Asia/Shanghai is UTC+8 without daylight saving: show the wall time of the desk.
    var t = new Date(d.getTime() + 8 * 3600 * 1000);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return t.getUTCFullYear() + "-" + p(t.getUTCMonth() + 1) + "-" + p(t.getUTCDate()) + " " +
      p(t.getUTCHours()) + ":" + p(t.getUTCMinutes());
  }

  function prependEvent(ev) {
    var list = document.getElementById("timeline");
    if (!list || list.querySelector('[data-event="' + ev.id + '"]')) return;
    var li = document.createElement("li");
    li.className = "ev new";
    li.setAttribute("data-event", ev.id);
    var time = document.createElement("time");
    time.textContent = fmt(ev.at);
    var text = document.createElement("span");
    text.className = "ev-text";
    var d = ev.data || {};
    if (d.to) {
      var op = opLabels[d.transition] || d.transition || "";
      text.textContent = op + "：" + (labels[d.from] || d.from || "") + " → " + (labels[d.to] || d.to);
    } else {
      text.textContent = eventLabels[ev.type] || ev.type;
    }
    li.appendChild(time);
    li.appendChild(text);
    if (ev.actor && ev.actor.name) {
      var who = document.createElement("span");
      who.className = "ev-actor";
      who.textContent = ev.actor.name;
      li.appendChild(who);
    }
    list.insertBefore(li, list.firstChild);
  }

  function refreshFragment() {
    var url = body.getAttribute("data-fragment-url");
    if (!url) return;
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var target = document.getElementById("case-live");
        if (!target) return;
        if (!dirty) {
          var openForms = [];
          target.querySelectorAll("details[open][data-transition]").forEach(function (d) {
            openForms.push(d.getAttribute("data-transition"));
          });
          target.innerHTML = doc.body.innerHTML;
          openForms.forEach(function (n) {
            var d = target.querySelector('details[data-transition="' + n + '"]');
            if (d) d.open = true;
          });
        } else {
          // Keep the half-filled form; refresh what is read-only and say so.
          // the read-only panels follow the case; the half-typed forms stay untouched
          ["case-head", "facts", "parties", "agreement", "handoffs", "petition", "timeline"].forEach(function (id) {
            var fresh = doc.getElementById(id), old = document.getElementById(id);
            if (fresh && old) old.replaceWith(fresh);
          });
          showBanner();
        }
      })
      .catch(function () { showBanner(); })
      .then(function () {
        refreshing = false;
        if (refreshAgain) { refreshAgain = false; refreshFragment(); }
      });
  }

  // A case the list does not show yet (new, transferred here): redraw the rows in place.
  var listing = false, listAgain = false;
  function refreshList() {
    var tbody = document.querySelector("table.cases tbody");
    if (!tbody) { showBanner(); return; }
    if (listing) { listAgain = true; return; }
    listing = true;
    var known = {};
    tbody.querySelectorAll("tr[data-case]").forEach(function (r) { known[r.getAttribute("data-case")] = 1; });
    fetch(location.href, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("table.cases tbody");
        if (!fresh) throw new Error("no list");
        tbody.replaceWith(fresh);
        var count = doc.querySelector(".count"), old = document.querySelector(".count");
        if (count && old) old.replaceWith(count);
        fresh.querySelectorAll("tr[data-case]").forEach(function (r) {
          if (!known[r.getAttribute("data-case")]) r.classList.add("flash", "new-row");
        });
      })
      .catch(function () { showBanner(); })
      .then(function () {
        listing = false;
        if (listAgain) { listAgain = false; refreshList(); }
      });
  }

  function onEvent(ev) {
    if (typeof ev.id !== "number" || ev.id <= lastId) return;
    remember(ev.id);
    var c = ev.case || {};
    if (ALERTS[ev.type] && window.datiaojieAlerts) window.datiaojieAlerts.reload();
    if (mode === "case") {
      if (c.id !== caseId) return;
      if (c.state) setBadge(document.getElementById("case-head"), c.state);
      prependEvent(ev);
      refreshFragment();
    } else if (mode === "list") {
      var row = document.querySelector('tr[data-case="' + c.id + '"]');
      if (row && c.state) {
        setBadge(row.querySelector(".state-cell"), c.state);
        row.classList.remove("flash");
        void row.offsetWidth; // restart the highlight animation
        row.classList.add("flash");
      }
      if (!row || ev.type === "case.created") refreshList();
    }
  }

  function onMessage(msg) {
    var data;
    try { data = JSON.parse(msg.data); } catch (e) { return; }
    if (data && data.type === "resync_required") {
      if (mode === "case") refreshFragment(); else showBanner();
      return;
    }
    if (data && typeof data.id === "number") onEvent(data);
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    try {
      socket = new WebSocket(proto + location.host + "/ws/events/");
    } catch (e) {
      return schedule();
    }
    socket.onopen = function () {
      delay = 1000;
      everOpen = true;
      if (dot) dot.hidden = false;
      if (conn) conn.hidden = true;
      // a page without a known position listens live only (no replay of old history)
      if (lastId > 0 || mode !== "page") socket.send(JSON.stringify({ action: "resume", since: lastId }));
      if (mode === "case" && caseId) socket.send(JSON.stringify({ action: "watch", "case": caseId }));
    };
    socket.onmessage = onMessage;
    socket.onclose = function () {
      if (dot) dot.hidden = true;
      // said in words once a connection was lost (a page that never connected stays quiet)
      if (conn && everOpen) conn.hidden = false;
      schedule();
    };
    socket.onerror = function () { /* onclose follows; stay quiet */ };
  }

  function schedule() {
    var wait = delay + Math.floor(Math.random() * 500);
    delay = Math.min(delay * 2, 30000);
    setTimeout(connect, wait);
  }

  connect();
})();
