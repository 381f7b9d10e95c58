// The "select all" box of the report batch form ticks or clears every enterprise listed.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) return;
  all.addEventListener("change", function (event) {
    document.querySelectorAll("input[name=assessment]").forEach(function (box) { box.checked = event.target.checked; });
  });
})();
