// Show or hide questions whose condition depends on an answer on the same page, as the respondent answers.
(function () {
  "use strict";
  function currentValue(form, name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) return undefined;
    var values = [];
    inputs.forEach(function (input) {
      if ((input.type === "radio" || input.type === "checkbox")) {
        if (input.checked) values.push(input.value);
      } else if (input.value.trim() !== "") {
        values.push(input.value.trim());
      }
    });
    return values;
  }
  function met(condition, values) {
    if (!values.length) return false;
    if (condition.equals !== undefined) {
      var wanted = condition.equals === true ? "yes" : condition.equals === false ? "no" : String(condition.equals);
      return values.indexOf(wanted) !== -1;
    }
    if (condition.one_of !== undefined) {
      return condition.one_of.some(function (v) { return values.indexOf(String(v)) !== -1; });
    }
    return parseFloat(values[0]) >= condition.at_least;
  }
  var form = document.getElementById("page-form");
  if (!form) return;
  function update() {
    form.querySelectorAll("[data-show-if]").forEach(function (fieldset) {
      var condition = JSON.parse(fieldset.getAttribute("data-show-if"));
      var values = currentValue(form, condition.question);
      if (values === undefined) return; // the condition is on another page: the server decided
      fieldset.hidden = !met(condition, values);
    });
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
})();
