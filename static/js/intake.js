// "Add party" for the intake form: clones the formset's empty form with the next index.
(function () {
  "use strict";
  var add = document.getElementById("add-party");
  var tpl = document.getElementById("party-template");
  var list = document.getElementById("parties");
  var total = document.getElementById("id_parties-TOTAL_FORMS");
  if (!add || !tpl || !list || !total) return;

  function renumber() {
    list.querySelectorAll("[data-party] .party-no").forEach(function (el, i) { el.textContent = i + 1; });
  }
  add.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    if (index >= 20) return;
    var html = tpl.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var node = holder.firstElementChild;
    var role = node.querySelector('select[name$="-role"]');
    if (role) role.value = "third_party";
    list.appendChild(node);
    total.value = String(index + 1);
    renumber();
    var name = node.querySelector('input[name$="-name"]');
    if (name) name.focus();
  });
  list.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-remove-party]");
    if (!btn) return;
    // The row leaves the post; its index stays unused, which the server skips as blank.
    btn.closest("[data-party]").remove();
    renumber();
  });
})();
