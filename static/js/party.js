// /party/: one signature pad per document to sign (signature_pad, vendored). The drawn
// signature goes into the form as a PNG data URL; an empty pad is not sent.
(function () {
  "use strict";
  document.querySelectorAll("form.sign-form").forEach(function (form) {
    var canvas = form.querySelector("canvas.signature-pad");
    var field = form.querySelector('input[name="signature"]');
    if (!canvas || typeof SignaturePad === "undefined") return;
    // The canvas fills the card on a phone; its drawing buffer follows the pixel ratio.
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var width = Math.min(canvas.parentElement.clientWidth || 340, 600);
    canvas.style.width = width + "px";
    canvas.style.height = "160px";
    canvas.width = width * ratio;
    canvas.height = 160 * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    var pad = new SignaturePad(canvas, { backgroundColor: "rgb(255,255,255)" });
    form.querySelector(".sign-clear").addEventListener("click", function () { pad.clear(); });
    form.addEventListener("submit", function (event) {
      if (pad.isEmpty()) {
        event.preventDefault();
        canvas.classList.add("invalid");
        return;
      }
      field.value = pad.toDataURL("image/png");
    });
  });
})();
