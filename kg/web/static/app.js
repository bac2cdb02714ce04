/* myoclonus-kg query page: editor (YASQE, or a plain textarea), named queries, results as a
 * table and as a graph (an iframe of /view/results).
 *
 * Every value from the graph is put into the page with textContent; links are made only to
 * our own /entity/ pages. The only request this script makes is to /sparql on this server. */
(function () {
  "use strict";

  var ENTITY = "https://w3id.org/myoclonus-kg/entity/";
  var $ = function (id) { return document.getElementById(id); };

  function readJson(id) {
    var node = $(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  var queries = readJson("named-queries") || [];
  var prefixes = readJson("prefixes") || {};
  var textarea = $("query");
  var editor = null;
  var lastQuery = null;
  var graphLoaded = false;

  /* ---------------------------------------------------------------- editor */
  function makeEditor() {
    var Yasqe = window.Yasqe && (window.Yasqe.default || window.Yasqe);
    if (typeof Yasqe !== "function") { return null; }
    try {
      if (Yasqe.defaults) {
        Yasqe.defaults.autocompleters = ["prefixes", "variables"];
        Yasqe.defaults.prefixCcApi = null;
      }
      var holder = document.createElement("div");
      holder.className = "yasqe-holder";
      textarea.parentNode.insertBefore(holder, textarea);
      var yasqe = new Yasqe(holder, {
        value: textarea.value,
        persistenceId: null,
        showQueryButton: false,
        createShareableLink: null,
        consumeShareLink: null,
        resizeable: true,
        editorHeight: "320px",
        autocompleters: ["prefixes", "variables"],
        prefixCcApi: null,
        requestConfig: { endpoint: "/sparql", method: "POST" },
        extraKeys: { "Ctrl-Enter": run, "Cmd-Enter": run }
      });
      ["class", "property"].forEach(function (name) {
        if (typeof yasqe.disableCompleter === "function") {
          try { yasqe.disableCompleter(name); } catch (e) { /* not registered */ }
        }
      });
      textarea.hidden = true;
      return yasqe;
    } catch (e) {
      if (window.console) { console.warn("query editor unavailable, using a plain text area", e); }
      return null;
    }
  }

  function getQuery() { return editor ? editor.getValue() : textarea.value; }
  function setQuery(text) {
    if (editor) { editor.setValue(text); } else { textarea.value = text; }
  }

  /* ----------------------------------------------------------- named queries */
  function chooseNamed() {
    var name = $("named-query").value;
    var description = $("query-description");
    description.textContent = "";
    for (var i = 0; i < queries.length; i++) {
      if (queries[i].name === name) {
        setQuery(queries[i].query);
        description.textContent = queries[i].description || "";
        return;
      }
    }
  }

  /* ---------------------------------------------------------------- results */
  function curie(iri) {
    var best = null;
    Object.keys(prefixes).forEach(function (p) {
      var base = prefixes[p];
      if (iri.indexOf(base) === 0 && (!best || base.length > prefixes[best].length)) { best = p; }
    });
    if (!best) { return iri; }
    var local = iri.slice(prefixes[best].length);
    return /^[\w.-]*$/.test(local) ? best + ":" + local : iri;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var local = term.value.indexOf(ENTITY) === 0 ? term.value.slice(ENTITY.length) : null;
      if (local !== null && /^[\w.-]+$/.test(local)) {
        var a = document.createElement("a");
        a.href = "/entity/" + local;
        a.textContent = curie(term.value);
        a.title = term.value;
        td.appendChild(a);
      } else {
        td.textContent = curie(term.value);
        td.title = term.value;
        td.className = "iri";
      }
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) { td.lang = term["xml:lang"]; }
      if (term.datatype) { td.title = curie(term.datatype); }
    }
    return td;
  }

  function renderTable(data) {
    var table = $("result-table");
    table.textContent = "";
    var thead = document.createElement("thead");
    var tr = document.createElement("tr");
    var vars = (data.head && data.head.vars) || [];
    if (typeof data.boolean === "boolean") {
      var th0 = document.createElement("th");
      th0.textContent = "ASK";
      tr.appendChild(th0);
      thead.appendChild(tr);
      table.appendChild(thead);
      var body0 = document.createElement("tbody");
      var row0 = document.createElement("tr");
      var td0 = document.createElement("td");
      td0.textContent = data.boolean ? "true" : "false";
      row0.appendChild(td0);
      body0.appendChild(row0);
      table.appendChild(body0);
      return 1;
    }
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.textContent = v;
      th.scope = "col";
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = document.createElement("tbody");
    var rows = (data.results && data.results.bindings) || [];
    rows.forEach(function (binding) {
      var row = document.createElement("tr");
      vars.forEach(function (v) { row.appendChild(cell(binding[v])); });
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    return rows.length;
  }

  function show(id, visible) { $(id).hidden = !visible; }

  function selectTab(name) {
    var graph = name === "graph";
    $("tab-table").setAttribute("aria-selected", graph ? "false" : "true");
    $("tab-graph").setAttribute("aria-selected", graph ? "true" : "false");
    show("table-view", !graph);
    show("graph-view", graph);
    if (graph && !graphLoaded && lastQuery !== null) {
      graphLoaded = true;
      $("graph-frame").src = "/view/results?query=" + encodeURIComponent(lastQuery);
    }
  }

  function setStatus(text) { $("status").textContent = text; }

  function run() {
    var query = getQuery();
    if (!query.trim()) { return; }
    var started = performance.now();
    setStatus("running…");
    $("run").disabled = true;
    show("results", true);
    show("error", false);
    show("warning", false);
    fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json, text/turtle;q=0.9"
      },
      body: new URLSearchParams({ query: query }).toString()
    }).then(function (response) {
      return response.text().then(function (text) { return { response: response, text: text }; });
    }).then(function (r) {
      var ms = Math.round(performance.now() - started);
      var type = r.response.headers.get("Content-Type") || "";
      lastQuery = query;
      graphLoaded = false;
      $("graph-frame").removeAttribute("src");
      if (!r.response.ok) {
        $("error").textContent = r.response.status + " " + r.response.statusText + ": " + r.text;
        show("error", true);
        $("result-table").textContent = "";
        show("result-text", false);
        setStatus("failed after " + ms + " ms");
        return;
      }
      var count;
      if (type.indexOf("json") >= 0) {
        count = renderTable(JSON.parse(r.text));
        show("result-table", true);
        show("result-text", false);
      } else {
        $("result-table").textContent = "";
        $("result-text").textContent = r.text;
        show("result-text", true);
        count = null;
      }
      if (r.response.headers.get("X-KG-Truncated") === "true") {
        $("warning").textContent = "The result was truncated to the first " +
          (r.response.headers.get("X-KG-Max-Rows") || "") + " rows (the server's row cap).";
        show("warning", true);
      }
      setStatus((count === null ? "done" : count + " row" + (count === 1 ? "" : "s")) + " in " + ms + " ms");
      if (!$("graph-view").hidden) { selectTab("graph"); }
    }).catch(function (err) {
      $("error").textContent = "The request failed: " + err;
      show("error", true);
      setStatus("");
    }).then(function () { $("run").disabled = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    editor = makeEditor();
    $("named-query").addEventListener("change", chooseNamed);
    $("run").addEventListener("click", run);
    $("tab-table").addEventListener("click", function () { selectTab("table"); });
    $("tab-graph").addEventListener("click", function () { selectTab("graph"); });
    textarea.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); run(); }
    });
    document.body.setAttribute("data-ready", editor ? "yasqe" : "textarea");
  });
}());
