/* casetrack 新規案件: show only what fits the chosen program (its tracks, estimates and options) and
   council (its staff), pick the company mode the user is working in, and tick 借入先 on a lender marked
   メイン行 or 保証付. Without script the form
   shows everything and works the same; the server reads only what belongs to the chosen program. */
(function () {
  var form = document.getElementById("intake");
  if (!form) { return; }
  var program = document.getElementById("program");
  var track = document.getElementById("track");
  var council = document.getElementById("council");
  var coordinator = document.getElementById("coordinator");

  function fit(select, attr, value) {
    var kept = false;
    Array.prototype.forEach.call(select.querySelectorAll("[data-" + attr + "]"), function (el) {
      var on = el.getAttribute("data-" + attr) === value;
      el.hidden = !on;
      el.disabled = !on;
      if (on && el.tagName === "OPTION" && el.selected) { kept = true; }
    });
    return kept;
  }

  function byProgram() {
    var p = program.value;
    if (!fit(track, "program", p)) {
      var first = track.querySelector('option[data-program="' + p + '"]');
      if (first) { first.selected = true; }
    }
    Array.prototype.forEach.call(form.querySelectorAll('div.estimates, label[data-program], select[name=reuse_ground] option[data-program]'), function (el) {
      el.hidden = el.getAttribute("data-program") !== p;
    });
  }

  function byCouncil() {
    if (!fit(coordinator, "council", council.value)) { coordinator.value = ""; }
  }

  program.addEventListener("change", byProgram);
  council.addEventListener("change", byCouncil);
  byProgram();
  byCouncil();

  var newBox = document.getElementById("new-company");
  newBox.addEventListener("input", function () { document.getElementById("company-new").checked = true; });
  form.addEventListener("change", function (e) {
    if (e.target && e.target.name === "company_id") {
      form.querySelector('input[name=company_mode][value=existing]').checked = true;
    }
    if (e.target && e.target.checked && (e.target.name === "lender_main" || e.target.name === "guaranteed")) {
      var lender = e.target.closest("tr").querySelector("input[name=lender]");
      if (lender) { lender.checked = true; }  // a メイン行 or 保証付 mark is on a lender
    }
  });
})();
