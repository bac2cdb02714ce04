/* myoclonus-kg result chart: a result with a label column and a number column is drawn as a
 * bar chart (or pie, or line) with Chart.js (vendored in /static/vendor/chartjs).
 *
 * window.KG.chart = { analyse(vars, rows), ChartView } */
(function () {
  "use strict";

  var KG = window.KG = window.KG || {};
  var MAX_ITEMS = 60;
  var COLOURS = ["#0b6e99", "#d9822b", "#2b8a3e", "#c92a2a", "#7048e8", "#e8590c", "#1098ad",
    "#5c940d", "#a61e4d", "#495057", "#f08c00", "#364fc7"];

  /* Which columns can be drawn: {label: index, values: [indices], kinds: [...]} or null. */
  function analyse(vars, rows) {
    if (!rows.length || vars.length < 2) { return null; }
    var isNumeric = KG.table.isNumeric;
    var numeric = [], labels = [];
    vars.forEach(function (v, i) {
      var seen = 0, numbers = 0;
      rows.forEach(function (r) {
        var t = r[i];
        if (t) { seen++; if (isNumeric(t)) { numbers++; } }
      });
      if (seen && numbers === seen) { numeric.push(i); } else if (seen) { labels.push(i); }
    });
    if (!numeric.length) { return null; }
    /* a column of names (literals) reads better than one of identifiers */
    var named = labels.filter(function (i) {
      return rows.every(function (r) { return !r[i] || r[i].type === "literal"; });
    });
    var label = named.length ? named[0] : labels.length ? labels[0] : (numeric.length > 1 ? numeric.shift() : -1);
    if (label < 0) { return null; }
    var allPositive = rows.every(function (r) { return numeric.every(function (i) { return !r[i] || Number(r[i].value) >= 0; }); });
    var kinds = ["bar"];
    if (allPositive && numeric.length === 1 && rows.length <= 20) { kinds.push("pie"); }
    kinds.push("line");
    return { label: label, values: numeric, kinds: kinds };
  }

  function ChartView(canvas, note) {
    this.canvas = canvas;
    this.note = note;
    this.chart = null;
  }

  ChartView.prototype.draw = function (vars, rows, plan, kind, labelText) {
    var Chart = window.Chart;
    if (this.chart) { this.chart.destroy(); this.chart = null; }
    if (!Chart || !plan) { return false; }
    var items = rows.slice(0, MAX_ITEMS);
    this.note.textContent = rows.length > MAX_ITEMS
      ? "The chart shows the first " + MAX_ITEMS + " of " + rows.length + " rows, in the table's order (sort or filter the table to choose)."
      : "";
    var labels = items.map(function (r) { return labelText(r[plan.label]); });
    var datasets = plan.values.map(function (i, n) {
      var colour = COLOURS[n % COLOURS.length];
      return {
        label: vars[i],
        data: items.map(function (r) { return r[i] ? Number(r[i].value) : null; }),
        backgroundColor: kind === "pie" ? items.map(function (_, k) { return COLOURS[k % COLOURS.length]; }) : colour,
        borderColor: kind === "pie" ? "#fff" : colour,
        borderWidth: kind === "line" ? 2 : 1
      };
    });
    this.chart = new Chart(this.canvas, {
      type: kind,
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: kind === "bar" && items.length > 12 ? "y" : "x",
        plugins: { legend: { display: kind === "pie" || datasets.length > 1 } },
        scales: kind === "pie" ? {} : { x: { ticks: { autoSkip: false } }, y: { ticks: { autoSkip: false } } }
      }
    });
    this.canvas.setAttribute("data-kind", kind);
    this.canvas.setAttribute("data-points", String(items.length));
    return true;
  };

  ChartView.prototype.clear = function () {
    if (this.chart) { this.chart.destroy(); this.chart = null; }
    this.canvas.removeAttribute("data-kind");
    this.note.textContent = "";
  };

  KG.chart = { analyse: analyse, ChartView: ChartView };
}());
