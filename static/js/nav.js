// Every signed-in page: the phone menu, and reading alerts without leaving the page.
(function () {
  "use strict";
  var toggle = document.getElementById("menu-toggle");
  var nav = document.getElementById("mainnav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  var bar = document.getElementById("alerts-bar");
  var count = document.getElementById("alert-count");
  function setCount(n) {
    if (!count) return;
    count.textContent = String(n);
    count.hidden = n <= 0;
    if (bar) bar.hidden = n <= 0;
    var dot = toggle && toggle.querySelector(".count-dot");
    if (dot) { dot.textContent = String(n); dot.hidden = n <= 0; }
  }
  var list = document.getElementById("alert-list");
  var tpl = document.getElementById("alert-template");

  // Redraw the banner from the server's list (after a live alert event or a read).
  function redraw(data) {
    if (!list || !tpl) return;
    list.innerHTML = "";
    data.items.forEach(function (a) {
      var node = tpl.content.firstElementChild.cloneNode(true);
      node.className = "alert alert-" + a.type.replace(/\./g, "");
      node.setAttribute("data-alert", a.id);
      var link = node.querySelector("a");
      link.href = a.url;
      link.textContent = a.text;
      node.querySelector("form").action = a.read_url;
      list.appendChild(node);
    });
    setCount(data.count);
  }
  function reload() {
    if (!bar) return;
    fetch(bar.getAttribute("data-url"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(redraw)
      .catch(function () { /* the banner stays as rendered */ });
  }
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute("data-alert-read")) return;
    e.preventDefault();
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (r) { if (!r.ok) throw new Error(r.status); return reload(); })
      .catch(function () { form.submit(); });
  });
  window.datiaojieAlerts = { reload: reload };
})();
