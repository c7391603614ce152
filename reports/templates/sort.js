// Sortable tables: click a header; numbers sort as numbers (cells may carry data-sort), text by the page language.
document.querySelectorAll("table.sortable").forEach(function (table) {
  var headers = table.querySelectorAll("thead th");
  headers.forEach(function (th, column) {
    th.addEventListener("click", function () {
      var ascending = !th.classList.contains("asc");
      headers.forEach(function (h) { h.classList.remove("asc", "desc"); });
      th.classList.add(ascending ? "asc" : "desc");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var cell = row.cells[column];
        var raw = cell ? (cell.getAttribute("data-sort") || cell.textContent.trim()) : "";
        var number = parseFloat(raw);
        return isNaN(number) || !/^-?[\d.]+%?$/.test(raw) ? raw : number;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), order;
        if (typeof x === "number" && typeof y === "number") { order = x - y; }
        else { order = String(x).localeCompare(String(y), document.documentElement.lang); }
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
