// Party forms show the fields of their kind: a person has gender, ethnicity, ID number,
// capacity (a guardian for a minor or a person without full capacity) and special-group
// tags; an organisation has a credit code and a legal representative. An agent
// (委托代理人) may act for either.
(function () {
  "use strict";
  var PERSON = ["gender", "ethnicity", "id_number", "limited_capacity", "tags"];
  var ORG = ["credit_code", "legal_representative"];

  function fieldOf(scope, name) {
    var input = scope.querySelector('[name$="-' + name + '"]');
    return input ? input.closest(".field") : null;
  }
  function apply(scope) {
    var kind = scope.querySelector('select[name$="-kind"]');
    if (!kind) return;
    var org = kind.value === "organization";
    PERSON.forEach(function (n) { var f = fieldOf(scope, n); if (f) f.hidden = org; });
    ORG.forEach(function (n) { var f = fieldOf(scope, n); if (f) f.hidden = !org; });
  }
  function all() { document.querySelectorAll("[data-party]").forEach(apply); }
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches('select[name$="-kind"]')) {
      var scope = e.target.closest("[data-party]");
      if (scope) apply(scope);
    }
  });
  // rows added later ("＋ 添加当事人") are set up when they appear
  new MutationObserver(all).observe(document.body, { childList: true, subtree: true });
  all();
})();
