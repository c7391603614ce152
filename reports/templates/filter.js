// The filter bar without a server: the rows carrying data-fix (1: something to put right; none: nothing),
// data-severity (the severities of their failures; none: no failure) or data-level are hidden when they do not
// match; the search box matches text.
document.querySelectorAll("form.filters").forEach(function (form) {
  var items = document.querySelectorAll("tr[data-fix], tr[data-level]");
  var shown = form.querySelector(".shown");
  function value(name) { return form.elements[name] ? form.elements[name].value : ""; }
  function apply() {
    var onlyFix = form.elements.fix && form.elements.fix.checked;
    var severity = value("severity"), level = value("level"), words = value("q").trim().toLowerCase();
    var count = 0;
    items.forEach(function (item) {
      var match = (!onlyFix || item.getAttribute("data-fix") === "1")
        && (!severity || (" " + (item.getAttribute("data-severity") || "") + " ").indexOf(" " + severity + " ") >= 0)
        && (!level || (item.getAttribute("data-level") || "") === level)
        && (!words || item.textContent.toLowerCase().indexOf(words) >= 0);
      item.hidden = !match;
      if (match) { count += 1; }
    });
    if (words) { document.querySelectorAll("details").forEach(function (d) { d.open = true; }); }
    shown.textContent = form.getAttribute("data-shown").replace("{shown}", count).replace("{total}", items.length);
  }
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
});
// printed, every folded section is part of the report
window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details").forEach(function (d) { d.open = true; });
});
