/* myoclonus-kg result table: sortable (click a header), filterable (one box, every cell),
 * paged (only one page is in the DOM, so 10,000 rows stay smooth).
 *
 * Every value goes into the page with textContent; links go only to our /entity/ pages.
 * window.KG.table = { ResultTable, termText, isNumeric } */
(function () {
  "use strict";

  var KG = window.KG = window.KG || {};
  var ENTITY = "https://w3id.org/myoclonus-kg/entity/";
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var NUMERIC = ["integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"].map(function (t) { return XSD + t; });

  function isNumeric(term) {
    return !!(term && term.type !== "uri" && term.datatype && NUMERIC.indexOf(term.datatype) >= 0 &&
      isFinite(Number(term.value)));
  }

  function curie(iri, prefixes) {
    var best = null;
    Object.keys(prefixes).forEach(function (p) {
      var base = prefixes[p];
      if (iri.indexOf(base) === 0 && (!best || base.length > prefixes[best].length)) { best = p; }
    });
    if (!best) { return iri; }
    var local = iri.slice(prefixes[best].length);
    var ok = local.length > 0 && Array.prototype.every.call(local, function (c) {
      return /[A-Za-z0-9_.\-]/.test(c);
    });
    return ok || local === "" ? best + ":" + local : iri;
  }

  function termText(term, prefixes) {
    if (!term) { return ""; }
    if (term.type === "uri") { return curie(term.value, prefixes); }
    if (term.type === "bnode") { return "_:" + term.value; }
    if (term.type === "triple") { return "<< triple >>"; }
    return term.value;
  }

  function ResultTable(root, prefixes, options) {
    this.root = root;
    this.prefixes = prefixes;
    this.pageSize = (options && options.pageSize) || 100;
    this.onChange = (options && options.onChange) || function () {};
    this.vars = [];
    this.rows = [];
    this.view = [];
    this.page = 0;
    this.sortColumn = -1;
    this.sortDir = 1;
    this.filter = "";
    this.build();
  }

  ResultTable.prototype.build = function () {
    var self = this;
    this.root.textContent = "";
    var tools = document.createElement("div");
    tools.className = "table-tools";
    this.filterBox = document.createElement("input");
    this.filterBox.type = "search";
    this.filterBox.id = "table-filter";
    this.filterBox.placeholder = "Filter rows";
    this.filterBox.setAttribute("aria-label", "Filter the rows (every column)");
    var timer = null;
    this.filterBox.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.setFilter(self.filterBox.value); }, 120);
    });
    this.summary = document.createElement("span");
    this.summary.className = "table-summary";
    this.summary.id = "table-summary";
    tools.appendChild(this.filterBox);
    tools.appendChild(this.summary);
    this.scroller = document.createElement("div");
    this.scroller.className = "table-scroll";
    this.table = document.createElement("table");
    this.table.id = "result-table";
    this.scroller.appendChild(this.table);
    this.pager = document.createElement("nav");
    this.pager.className = "pager";
    this.pager.id = "pager";
    this.pager.setAttribute("aria-label", "Pages of the result");
    this.root.appendChild(tools);
    this.root.appendChild(this.scroller);
    this.root.appendChild(this.pager);
  };

  /* vars: column names; rows: arrays of SPARQL JSON terms (or undefined) */
  ResultTable.prototype.setData = function (vars, rows) {
    var prefixes = this.prefixes;
    this.vars = vars;
    this.rows = rows.map(function (cells, index) {
      var texts = cells.map(function (t) { return termText(t, prefixes); });
      return { cells: cells, texts: texts, search: texts.join("\u0001").toLowerCase(), index: index };
    });
    this.sortColumn = -1;
    this.sortDir = 1;
    this.filter = "";
    this.filterBox.value = "";
    this.page = 0;
    this.refresh();
  };

  ResultTable.prototype.setFilter = function (text) {
    this.filter = text.trim().toLowerCase();
    this.page = 0;
    this.refresh();
  };

  ResultTable.prototype.sortBy = function (column) {
    if (this.sortColumn === column) { this.sortDir = -this.sortDir; } else { this.sortColumn = column; this.sortDir = 1; }
    this.page = 0;
    this.refresh();
  };

  ResultTable.prototype.goTo = function (page) {
    var pages = Math.max(1, Math.ceil(this.view.length / this.pageSize));
    this.page = Math.min(Math.max(0, page), pages - 1);
    this.render();
  };

  ResultTable.prototype.refresh = function () {
    var filter = this.filter;
    var view = filter ? this.rows.filter(function (r) { return r.search.indexOf(filter) >= 0; }) : this.rows.slice();
    var col = this.sortColumn;
    var dir = this.sortDir;
    if (col >= 0) {
      view.sort(function (a, b) {
        var ta = a.cells[col], tb = b.cells[col];
        var cmp;
        if (isNumeric(ta) && isNumeric(tb)) {
          cmp = Number(ta.value) - Number(tb.value);
        } else if (!ta || !tb) {
          cmp = (ta ? 0 : 1) - (tb ? 0 : 1); /* unbound last */
          return cmp || a.index - b.index;
        } else {
          cmp = a.texts[col].localeCompare(b.texts[col], undefined, { numeric: true, sensitivity: "base" });
        }
        return cmp * dir || a.index - b.index;
      });
    }
    this.view = view;
    this.render();
  };

  ResultTable.prototype.cell = function (term, text) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var local = term.value.indexOf(ENTITY) === 0 ? term.value.slice(ENTITY.length) : null;
      if (local !== null && local && Array.prototype.every.call(local, function (c) { return /[A-Za-z0-9_.\-]/.test(c); })) {
        var a = document.createElement("a");
        a.href = "/entity/" + local;
        a.textContent = text;
        a.title = term.value;
        td.appendChild(a);
      } else {
        td.textContent = text;
        td.title = term.value;
        td.className = "iri";
      }
      return td;
    }
    td.textContent = text;
    if (isNumeric(term)) { td.className = "number"; }
    if (term["xml:lang"]) { td.lang = term["xml:lang"]; }
    if (term.datatype) { td.title = curie(term.datatype, this.prefixes); }
    return td;
  };

  ResultTable.prototype.render = function () {
    var self = this;
    var table = this.table;
    table.textContent = "";
    var thead = document.createElement("thead");
    var tr = document.createElement("tr");
    this.vars.forEach(function (v, i) {
      var th = document.createElement("th");
      th.scope = "col";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      button.textContent = v;
      var state = self.sortColumn === i ? (self.sortDir > 0 ? "ascending" : "descending") : "none";
      th.setAttribute("aria-sort", state);
      button.title = "Sort by " + v;
      button.addEventListener("click", function () { self.sortBy(i); });
      th.appendChild(button);
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = document.createElement("tbody");
    var start = this.page * this.pageSize;
    var rows = this.view.slice(start, start + this.pageSize);
    var fragment = document.createDocumentFragment();
    rows.forEach(function (r) {
      var row = document.createElement("tr");
      r.cells.forEach(function (t, i) { row.appendChild(self.cell(t, r.texts[i])); });
      fragment.appendChild(row);
    });
    tbody.appendChild(fragment);
    table.appendChild(tbody);
    this.renderPager();
    this.onChange(this);
  };

  ResultTable.prototype.renderPager = function () {
    var self = this;
    var total = this.view.length;
    var pages = Math.max(1, Math.ceil(total / this.pageSize));
    var start = total ? this.page * this.pageSize + 1 : 0;
    var end = Math.min(total, (this.page + 1) * this.pageSize);
    var noun = function (n) { return n.toLocaleString("en") + (n === 1 ? " row" : " rows"); };
    this.summary.textContent = total === this.rows.length
      ? (pages > 1 ? "rows " + start.toLocaleString("en") + "\u2013" + end.toLocaleString("en") + " of " + noun(total) : noun(total))
      : noun(total) + " of " + this.rows.length.toLocaleString("en") + " match" +
        (pages > 1 ? " (showing " + start.toLocaleString("en") + "\u2013" + end.toLocaleString("en") + ")" : "");
    this.pager.textContent = "";
    if (pages <= 1) { this.pager.hidden = true; return; }
    this.pager.hidden = false;
    function button(label, page, title, disabled) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.title = title;
      b.disabled = disabled;
      b.addEventListener("click", function () { self.goTo(page); });
      self.pager.appendChild(b);
      return b;
    }
    button("\u00ab", 0, "First page", this.page === 0).className = "first";
    button("\u2039", this.page - 1, "Previous page", this.page === 0).className = "prev";
    var where = document.createElement("span");
    where.className = "page-of";
    where.textContent = "page " + (this.page + 1) + " of " + pages;
    this.pager.appendChild(where);
    button("\u203a", this.page + 1, "Next page", this.page >= pages - 1).className = "next";
    button("\u00bb", pages - 1, "Last page", this.page >= pages - 1).className = "last";
  };

  KG.table = { ResultTable: ResultTable, termText: termText, isNumeric: isNumeric, curie: curie };
}());
