/* myoclonus-kg query page: the editor, the named queries as forms, the query in the URL (a
 * permalink; Back and reload restore it), a local history, and the results as a table, a
 * chart and a graph, with downloads.
 *
 * Every value from the graph is put into the page with textContent; links are made only to
 * our own pages. Requests go only to this server: /sparql, /triples, /queries/NAME,
 * /complete, /diagnose, /status, /download, /view/results. */
(function () {
  "use strict";

  var KG = window.KG = window.KG || {};
  var $ = function (id) { return document.getElementById(id); };
  var HISTORY_KEY = "myoclonus-kg.history";
  var HISTORY_SIZE = 30;

  function readJson(id) {
    var node = $(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  var data = readJson("page-data") || {};
  var queries = data.queries || [];
  var prefixes = data.prefixes || {};
  var textarea = $("query");
  var editor = null;
  var table = null;
  var chart = null;
  var generation = data.generation || 0;
  var buildHasHpo = !!data.has_hpo;
  /* what is in the editor and where it came from */
  var state = { name: null, params: {}, namedText: null };
  var last = null;        /* the last result: {query, vars, rows, form, plan} */
  var graphLoaded = false;
  var formTimer = null;
  var formSeq = 0;
  var suppressChange = false;

  function byName(name) {
    for (var i = 0; i < queries.length; i++) { if (queries[i].name === name) { return queries[i]; } }
    return null;
  }

  /* ---------------------------------------------------------------- editor */
  function getQuery() { return editor ? editor.getValue() : textarea.value; }
  function setQuery(text) {
    suppressChange = true;
    if (editor) { editor.setValue(text); } else { textarea.value = text; }
    suppressChange = false;
    editorChanged();
  }

  function setStatus(text) { $("status").textContent = text; }
  function show(id, visible) { $(id).hidden = !visible; }

  /* The description and the menu follow the editor: a named query while the editor holds its
   * text, "custom query" as soon as it is edited. */
  function editorChanged() {
    if (suppressChange) { return; }
    var select = $("named-query");
    var description = $("query-description");
    if (state.name && state.namedText !== null && getQuery() === state.namedText) {
      select.value = state.name;
      var q = byName(state.name);
      description.textContent = q ? q.description : "";
      show("params", $("params").childElementCount > 0);
      return;
    }
    if (state.name) {
      var was = byName(state.name);
      description.textContent = "Custom query" + (was ? " (edited from \u201c" + was.title + "\u201d; choose it again to start over)" : "") + ".";
    } else {
      description.textContent = "Custom query.";
    }
    select.value = "";
    show("params", false);
    show("query-unavailable", false);
    $("run").disabled = false;
  }

  /* ----------------------------------------------------------- named queries */
  function paramValues() {
    var values = {};
    Array.prototype.forEach.call($("params").querySelectorAll("input[data-param]"), function (input) {
      values[input.getAttribute("data-param")] = input.value;
    });
    return values;
  }

  function fetchForm(name, values) {
    var search = new URLSearchParams();
    Object.keys(values || {}).forEach(function (k) { search.append(k, values[k]); });
    return fetch("/queries/" + encodeURIComponent(name) + "?" + search.toString(),
                 { headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) { return r.text().then(function (t) { throw new Error(t); }); }
        return r.json();
      });
  }

  function renderForm(form) {
    var holder = $("params");
    holder.textContent = "";
    form.params.forEach(function (p) {
      var row = document.createElement("div");
      row.className = "param";
      var label = document.createElement("label");
      label.setAttribute("for", "param-" + p.name);
      label.textContent = p.description || p.name;
      var input = document.createElement("input");
      input.id = "param-" + p.name;
      input.setAttribute("data-param", p.name);
      input.setAttribute("data-type", p.type);
      input.value = p.given;
      input.placeholder = p.type === "iri" ? "label, CURIE or identifier" : p.type;
      if (p.type === "integer") { input.inputMode = "numeric"; }
      if (p.type === "iri") {
        var list = document.createElement("datalist");
        list.id = "param-options-" + p.name;
        input.setAttribute("list", list.id);
        row.appendChild(list);
      }
      var resolved = document.createElement("span");
      resolved.className = "resolved";
      resolved.id = "param-resolved-" + p.name;
      var problem = document.createElement("div");
      problem.className = "param-error";
      problem.id = "param-error-" + p.name;
      problem.setAttribute("role", "alert");
      input.addEventListener("input", function () {
        if (p.type === "iri") { completeInto(input.value, $("param-options-" + p.name)); }
        clearTimeout(formTimer);
        formTimer = setTimeout(function () { refreshNamed(false); }, 300);
      });
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") { e.preventDefault(); clearTimeout(formTimer); refreshNamed(true); }
      });
      row.appendChild(label);
      row.appendChild(input);
      row.appendChild(resolved);
      row.appendChild(problem);
      holder.appendChild(row);
    });
    show("params", form.params.length > 0);
    applyValidation(form);
  }

  function applyValidation(form) {
    form.params.forEach(function (p) {
      var input = $("param-" + p.name);
      var resolved = $("param-resolved-" + p.name);
      var problem = $("param-error-" + p.name);
      if (!input) { return; }
      input.setAttribute("aria-invalid", p.error ? "true" : "false");
      resolved.textContent = !p.error && p.type === "iri" ? p.value + (p.label ? " \u00b7 " + p.label : "") : "";
      problem.textContent = "";
      if (p.error) {
        problem.appendChild(document.createTextNode(p.error + (p.suggestions.length ? "; did you mean " : ".")));
        p.suggestions.forEach(function (s, i) {
          var b = document.createElement("button");
          b.type = "button";
          b.className = "link";
          b.textContent = s;
          b.addEventListener("click", function () { input.value = s; refreshNamed(false); });
          problem.appendChild(b);
          problem.appendChild(document.createTextNode(i < p.suggestions.length - 1 ? ", " : "?"));
        });
      }
    });
    var unavailable = $("query-unavailable");
    unavailable.hidden = form.available;
    unavailable.textContent = form.available ? "" : "\u201c" + form.title + "\u201d cannot run here: " + form.reason + ".";
    $("run").disabled = !form.available || !form.valid;
    $("run").title = !form.available ? form.reason : (!form.valid ? "Fix the parameters first" : "Run (Ctrl+Enter)");
  }

  function completeInto(text, list) {
    if (!list) { return; }
    fetch("/complete?limit=12&q=" + encodeURIComponent(text), { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (items) {
        list.textContent = "";
        items.forEach(function (item) {
          var option = document.createElement("option");
          option.value = item.label;
          option.textContent = item.curie + " \u00b7 " + item.kind;
          list.appendChild(option);
        });
      })
      .catch(function () {});
  }

  /* Choose a named query: its form, its description, its text with the values bound. */
  function chooseNamed(name, values, run) {
    var seq = ++formSeq;
    var q = byName(name);
    state.name = name;
    state.params = values || {};
    $("query-description").textContent = q ? q.description : "";
    return fetchForm(name, values || {}).then(function (form) {
      if (seq !== formSeq) { return; }
      renderForm(form);
      state.params = currentParams(form);
      if (form.query !== null) {
        state.namedText = form.query;
        setQuery(form.query);
      }
      $("named-query").value = name;
      if (run && form.available && form.valid) { runQuery(true); }
    }).catch(function (err) {
      showError("Cannot load the named query " + name + ": " + err.message);
    });
  }

  function currentParams(form) {
    var out = {};
    form.params.forEach(function (p) { out[p.name] = p.given; });
    return out;
  }

  /* A parameter changed: check it against the graph and rebind the query text. */
  function refreshNamed(run) {
    if (!state.name) { return; }
    var seq = ++formSeq;
    var values = paramValues();
    fetchForm(state.name, values).then(function (form) {
      if (seq !== formSeq) { return; }
      applyValidation(form);
      state.params = values;
      if (form.query !== null) {
        state.namedText = form.query;
        setQuery(form.query);
        if (run && form.available) { runQuery(true); }
      }
    }).catch(function () {});
  }

  /* -------------------------------------------------------------- URL state */
  function stateUrl(query) {
    var search = new URLSearchParams();
    if (state.name && state.namedText !== null && query === state.namedText) {
      search.set("name", state.name);
      Object.keys(state.params).forEach(function (k) { search.set("p." + k, state.params[k]); });
    } else {
      search.set("query", query);
    }
    return "?" + search.toString();
  }

  function snapshot(query) {
    return { query: query, name: state.name && query === state.namedText ? state.name : null,
             params: Object.assign({}, state.params) };
  }

  function restore(snap, run) {
    if (snap && snap.name && byName(snap.name)) {
      return chooseNamed(snap.name, snap.params, run);
    }
    state.name = null;
    state.namedText = null;
    renderForm({ params: [], available: true, valid: true, title: "" });
    if (snap && typeof snap.query === "string") { setQuery(snap.query); }
    if (run && snap && snap.query && snap.query.trim()) { runQuery(false); }
    return Promise.resolve();
  }

  function fromLocation() {
    var search = new URLSearchParams(window.location.search);
    if (search.get("name")) {
      var params = {};
      search.forEach(function (v, k) { if (k.indexOf("p.") === 0) { params[k.slice(2)] = v; } });
      return { name: search.get("name"), params: params, query: null };
    }
    if (search.get("query") !== null) { return { name: null, params: {}, query: search.get("query") }; }
    return null;
  }

  /* --------------------------------------------------------------- history */
  function loadHistory() {
    try { return JSON.parse(window.localStorage.getItem(HISTORY_KEY) || "[]") || []; } catch (e) { return []; }
  }

  function remember(snap, summary) {
    var items = loadHistory().filter(function (h) { return !(h.query === snap.query && h.name === snap.name); });
    items.unshift({ query: snap.query, name: snap.name, params: snap.params, time: Date.now(), summary: summary });
    try { window.localStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(0, HISTORY_SIZE))); } catch (e) { /* full or off */ }
    renderHistory();
  }

  function renderHistory() {
    var select = $("history");
    var items = loadHistory();
    select.textContent = "";
    var head = document.createElement("option");
    head.value = "";
    head.textContent = items.length ? "History (" + items.length + ")\u2026" : "History (empty)";
    select.appendChild(head);
    items.forEach(function (h, i) {
      var option = document.createElement("option");
      option.value = String(i);
      var when = new Date(h.time);
      var title = h.name && byName(h.name) ? byName(h.name).title : h.query.replace(/\s+/g, " ").trim().slice(0, 70);
      option.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + " \u00b7 " + title +
        (h.summary ? " \u00b7 " + h.summary : "");
      select.appendChild(option);
    });
  }

  /* ---------------------------------------------------------------- results */
  function showError(text) {
    $("error").textContent = text;
    show("error", true);
  }

  function plural(n, word) { return n.toLocaleString("en") + " " + word + (n === 1 ? "" : "s"); }

  function isSelectStar() {
    if (!editor) { return false; }
    var seenSelect = false;
    for (var i = 0; i < editor.lineCount(); i++) {
      var tokens = editor.getLineTokens(i, true);
      for (var j = 0; j < tokens.length; j++) {
        var t = tokens[j];
        if (t.type === "ws" || t.type === "comment" || !t.string.trim()) { continue; }
        if (!seenSelect) {
          if (t.type === "keyword" && t.string.toUpperCase() === "SELECT") { seenSelect = true; }
          continue;
        }
        var word = t.string.toUpperCase();
        if (word === "DISTINCT" || word === "REDUCED") { continue; }
        return t.string === "*";
      }
    }
    return false;
  }

  function orderColumns(vars) {
    if (!isSelectStar()) { return vars; }
    var order = KG.editor.variableOrder(editor).filter(function (v) { return vars.indexOf(v) >= 0; });
    vars.forEach(function (v) { if (order.indexOf(v) < 0) { order.push(v); } });
    return order;
  }

  function setDownloads(query, form) {
    var graph = form === "CONSTRUCT" || form === "DESCRIBE";
    var name = state.name && query === state.namedText ? state.name : "query";
    Array.prototype.forEach.call($("downloads").querySelectorAll("a"), function (a) {
      var mine = a.getAttribute("data-for") === (graph ? "graph" : "table");
      a.hidden = !mine || form === "ASK" && a.getAttribute("data-format") === "tsv";
      var search = new URLSearchParams({ format: a.getAttribute("data-format"), name: name, query: query });
      a.href = "/download?" + search.toString();
    });
    show("downloads", true);
  }

  function selectTab(name) {
    ["table", "chart", "graph"].forEach(function (t) {
      $("tab-" + t).setAttribute("aria-selected", t === name ? "true" : "false");
      show(t + "-view", t === name);
    });
    if (name === "graph" && !graphLoaded && last) {
      graphLoaded = true;
      $("graph-frame").src = "/view/results?query=" + encodeURIComponent(last.query);
    }
    if (name === "chart") { drawChart(); }
  }

  function drawChart() {
    if (!last || !last.plan || !table) { return; }
    var kind = $("chart-kind").value || "bar";
    var rows = table.view.map(function (r) { return r.cells; });
    chart.draw(last.vars, rows, last.plan, kind, function (t) { return KG.table.termText(t, prefixes); });
  }

  function showResult(query, vars, rows, form, ms, truncated) {
    var count = rows.length;
    vars = form === "SELECT" ? orderColumns(vars) : vars;
    if (form === "SELECT") {
      /* rows arrive in the server's column order; reorder the cells to the shown one */
      rows = rows.map(function (r) { return vars.map(function (v) { return r[v]; }); });
    }
    var plan = form === "SELECT" ? KG.chart.analyse(vars, rows) : null;
    last = { query: query, vars: vars, rows: rows, form: form, plan: plan };
    graphLoaded = false;
    $("graph-frame").removeAttribute("src");
    show("ask-answer", false);
    table.setData(vars, rows);
    var chartTab = $("tab-chart");
    chartTab.disabled = !plan;
    var kinds = $("chart-kind");
    kinds.textContent = "";
    (plan ? plan.kinds : []).forEach(function (k) {
      var o = document.createElement("option");
      o.value = k;
      o.textContent = k;
      kinds.appendChild(o);
    });
    chart.clear();
    var viewRows = data.view_rows || 2000;
    $("graph-note").textContent = form === "SELECT" && count > viewRows
      ? "The graph draws the entities of the first " + viewRows.toLocaleString("en") + " of " + plural(count, "row") + "."
      : (form === "CONSTRUCT" || form === "DESCRIBE" ? "The graph draws the triples between two resources (rdf:type and literals are in the table)." : "");
    var what = form === "CONSTRUCT" || form === "DESCRIBE" ? plural(count, "triple") : plural(count, "row");
    setStatus(what + " in " + ms + " ms" + (truncated ? " (truncated)" : ""));
    if (truncated) {
      $("warning").textContent = "The result was cut at the server's cap of " + (data.max_rows || "").toLocaleString("en") +
        (form === "SELECT" ? " rows" : " triples") + ": sort and filter apply to these only; add LIMIT or filters to the query for the rest.";
      show("warning", true);
    }
    var current = $("tab-graph").getAttribute("aria-selected") === "true" ? "graph"
      : ($("tab-chart").getAttribute("aria-selected") === "true" && plan ? "chart" : "table");
    if (form === "CONSTRUCT" || form === "DESCRIBE") { current = count ? "graph" : "table"; }
    selectTab(current);
    setDownloads(query, form);
    if (count === 0) { diagnose(query, "The query found nothing."); }
    return what;
  }

  function showAsk(query, answer, ms) {
    last = { query: query, vars: [], rows: [], form: "ASK", plan: null };
    table.setData(["answer"], [[{ type: "literal", value: answer ? "true" : "false" }]]);
    $("ask-answer").textContent = answer ? "Yes (true)" : "No (false)";
    show("ask-answer", true);
    $("tab-chart").disabled = true;
    selectTab("table");
    setStatus("answered in " + ms + " ms");
    setDownloads(query, "ASK");
    if (!answer) { diagnose(query, "The answer is false."); }
    return answer ? "true" : "false";
  }

  /* Undefined prefixes, misspelt terms, unknown entities: ask the server, offer fixes. */
  function diagnose(query, lead) {
    var box = $("hints");
    fetch("/diagnose", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: new URLSearchParams({ query: query }).toString()
    }).then(function (r) { return r.ok ? r.json() : { hints: [] }; }).then(function (result) {
      var keyword = keywordHint();
      if (keyword) { result.hints.unshift(keyword); }
      if (query !== getQuery() || !result.hints.length) { return; }
      box.textContent = "";
      var p = document.createElement("p");
      p.textContent = lead ? lead + " Perhaps:" : "Perhaps:";
      box.appendChild(p);
      var list = document.createElement("ul");
      result.hints.forEach(function (h) {
        var li = document.createElement("li");
        li.className = "hint-" + h.kind;
        li.appendChild(document.createTextNode(h.text));
        h.suggestions.forEach(function (s) {
          if (h.kind === "prefix") { return; }
          var b = document.createElement("button");
          b.type = "button";
          b.className = "fix";
          b.textContent = "use " + s;
          b.addEventListener("click", function () { replaceName(h.name, s); });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(b);
        });
        list.appendChild(li);
      });
      box.appendChild(list);
      show("hints", true);
    }).catch(function () {});
  }

  /* A misspelt keyword (SELEC, WHRE, FILTR): the editor's tokenizer marks the first word it
   * cannot read as an error; offer the SPARQL keyword closest to it. */
  var KEYWORDS = ["SELECT", "CONSTRUCT", "DESCRIBE", "ASK", "WHERE", "PREFIX", "BASE", "FROM", "NAMED",
    "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "BIND", "VALUES", "GROUP", "ORDER", "BY",
    "HAVING", "LIMIT", "OFFSET", "DISTINCT", "REDUCED", "AS", "ASC", "DESC", "EXISTS", "NOT", "IN",
    "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT", "SEPARATOR", "STR", "LANG",
    "REGEX", "CONTAINS", "STRSTARTS", "STRENDS", "CONCAT", "LCASE", "UCASE", "BOUND", "IF", "COALESCE"];

  function distance(a, b) {
    var row = [];
    for (var j = 0; j <= b.length; j++) { row.push(j); }
    for (var i = 1; i <= a.length; i++) {
      var prev = row[0];
      row[0] = i;
      for (var k = 1; k <= b.length; k++) {
        var keep = row[k];
        row[k] = Math.min(row[k] + 1, row[k - 1] + 1, prev + (a.charAt(i - 1) === b.charAt(k - 1) ? 0 : 1));
        prev = keep;
      }
    }
    return row[b.length];
  }

  function keywordHint() {
    if (!editor) { return null; }
    for (var i = 0; i < editor.lineCount(); i++) {
      var tokens = editor.getLineTokens(i, true);
      for (var j = 0; j < tokens.length; j++) {
        var t = tokens[j];
        if (t.type !== "error") { continue; }
        var word = t.string.toUpperCase();
        var best = null, score = 3;
        KEYWORDS.forEach(function (k) {
          var d = distance(word, k);
          if (d < score) { best = k; score = d; }
        });
        if (!best || best === word) { return null; }
        return { kind: "keyword", name: t.string, suggestions: [best],
                 text: "\u201c" + t.string + "\u201d (line " + (i + 1) + ") is not SPARQL; did you mean " + best + "?" };
      }
    }
    return null;
  }

  /* Replace a prefixed name where the editor's tokenizer sees it (never inside strings). */
  function replaceName(name, replacement) {
    if (!editor) { textarea.value = textarea.value.split(name).join(replacement); return; }
    editor.operation(function () {
      for (var i = editor.lineCount() - 1; i >= 0; i--) {
        var tokens = editor.getLineTokens(i, true);
        for (var j = tokens.length - 1; j >= 0; j--) {
          if (tokens[j].string === name && tokens[j].type !== "string" && tokens[j].type !== "comment" &&
              tokens[j].type !== "variable-3") {
            editor.replaceRange(replacement, { line: i, ch: tokens[j].start }, { line: i, ch: tokens[j].end });
          }
        }
      }
    });
    show("hints", false);
  }

  function errorText(status, statusText, body) {
    var text = body.trim();
    var where = text.indexOf("(line ");
    var lead = status + " " + statusText + ": ";
    if (text.indexOf("malformed SPARQL") === 0 && where >= 0) {
      var end = text.indexOf(")", where);
      var position = text.slice(where + 1, end);
      var detail = text.slice(end + 1).replace(/^:\s*/, "");
      /* the parser lists every character class it would accept: keep the message short */
      var classes = detail.indexOf("['");
      if (classes >= 0) { detail = detail.slice(0, classes).replace(/[,\s]+$/, "") + " \u2026"; }
      if (detail.indexOf("Prefix not found") >= 0) { detail = "a prefix there is not defined (see below)."; }
      if (detail.length > 160) { detail = detail.slice(0, 160) + "\u2026"; }
      var icon = document.querySelector(".parseErrorIcon");
      var local = icon && (icon.getAttribute("data-kg-message") || icon.title);
      if (local) { detail += " The editor says: " + local; }
      return "Syntax error at " + position + ". " + detail;
    }
    return lead + text;
  }

  function runQuery(push) {
    var query = getQuery();
    if (!query.trim()) { return; }
    var started = performance.now();
    var snap = snapshot(query);
    var url = stateUrl(query);
    if (window.location.search !== url) {
      if (push) { window.history.pushState(snap, "", url); } else { window.history.replaceState(snap, "", url); }
    } else {
      window.history.replaceState(snap, "", url);
    }
    setStatus("running\u2026");
    $("run").disabled = true;
    show("results", true);
    show("error", false);
    show("warning", false);
    show("hints", false);
    fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json, application/n-triples;q=0.9"
      },
      body: new URLSearchParams({ query: query }).toString()
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (response.ok && type.indexOf("n-triples") >= 0) {
        /* CONSTRUCT/DESCRIBE: the same answer (from the cache) as a table of triples */
        return fetch("/triples", {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
          body: new URLSearchParams({ query: query }).toString()
        }).then(function (r2) {
          return r2.text().then(function (text) { return { response: r2, text: text, graph: true }; });
        });
      }
      return response.text().then(function (text) { return { response: response, text: text, graph: false }; });
    }).then(function (r) {
      var ms = Math.round(performance.now() - started);
      if (!r.response.ok) {
        showError(errorText(r.response.status, r.response.statusText, r.text));
        setStatus("failed after " + ms + " ms");
        show("downloads", false);
        diagnose(query, "");
        return;
      }
      var body = JSON.parse(r.text);
      var truncated = r.response.headers.get("X-KG-Truncated") === "true" || body.truncated === true;
      var summary;
      if (typeof body.boolean === "boolean") {
        summary = showAsk(query, body.boolean, ms);
      } else {
        var vars = (body.head && body.head.vars) || [];
        var bindings = (body.results && body.results.bindings) || [];
        if (r.graph) {
          summary = showResult(query, vars, bindings.map(function (b) { return vars.map(function (v) { return b[v]; }); }),
                               body.form || "CONSTRUCT", ms, truncated);
        } else {
          summary = showResult(query, vars, bindings, "SELECT", ms, truncated);
        }
      }
      remember(snap, summary);
    }).catch(function (err) {
      showError("The request failed: " + err);
      setStatus("");
    }).then(function () {
      if (!state.name || getQuery() !== state.namedText || !$("query-unavailable").textContent) { $("run").disabled = false; }
    });
  }

  /* ---------------------------------------------------------- build in use */
  function describeBuild(info) {
    if (info.endpoint) { return "graph on " + info.endpoint; }
    if (!info.directory) { return ""; }
    var when = info.built_at ? " \u00b7 built " + info.built_at.replace("T", " ").replace("+00:00", " UTC") : "";
    return "build " + info.directory + " \u00b7 " + (info.contents || "") + when;
  }

  function watchBuild() {
    fetch("/status", { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (info) {
        if (!info) { return; }
        if (info.generation !== generation) {
          generation = info.generation;
          $("build-info").textContent = describeBuild(info);
          buildHasHpo = info.hpo && info.hpo !== "none";
          Array.prototype.forEach.call($("named-query").options, function (o) {
            var needs = (o.getAttribute("data-needs") || "").split(" ");
            if (needs.indexOf("hpo") >= 0) { o.disabled = !buildHasHpo; o.title = buildHasHpo ? "" : o.title; }
          });
          show("unavailable-note", !buildHasHpo && $("unavailable-note").childElementCount > 0);
          var notice = $("build-notice");
          notice.textContent = "The server now serves a new build (" + (info.contents || "") +
            "). Results shown before were computed on the previous one; run the query again.";
          show("build-notice", true);
          show("results", true);
          if (state.name && getQuery() === state.namedText) { refreshNamed(false); }
        }
      }).catch(function () {})
      .then(function () { setTimeout(watchBuild, data.status_interval || 3000); });
  }

  /* ------------------------------------------------------------------ start */
  function copyLink() {
    var url = window.location.origin + window.location.pathname + stateUrl(getQuery());
    var done = function () { $("copied").textContent = "Link copied: " + url; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(done, function () { $("copied").textContent = "Link: " + url; });
    } else {
      $("copied").textContent = "Link: " + url;
    }
    window.history.replaceState(snapshot(getQuery()), "", stateUrl(getQuery()));
  }

  function format() {
    if (!editor) { return; }
    var result = KG.editor.format(editor);
    setStatus(result.ok ? "formatted" : "cannot format: " + result.message);
  }

  document.addEventListener("DOMContentLoaded", function () {
    editor = KG.editor.create(textarea, prefixes, { run: function () { runQuery(true); }, format: format, lookupUrl: "/complete" });
    table = new KG.table.ResultTable($("result-table-holder"), prefixes, {
      pageSize: 100,
      onChange: function () { if ($("tab-chart").getAttribute("aria-selected") === "true") { drawChart(); } }
    });
    chart = new KG.chart.ChartView($("chart"), $("chart-note"));
    KG.resultTable = table; /* for the console and the benchmark */
    if (editor) { editor.on("change", editorChanged); } else { textarea.addEventListener("input", editorChanged); }
    $("named-query").addEventListener("change", function () {
      var name = $("named-query").value;
      if (name) { chooseNamed(name, {}, false); } else { editorChanged(); }
    });
    $("run").addEventListener("click", function () { runQuery(true); });
    $("format").addEventListener("click", format);
    $("copy-link").addEventListener("click", copyLink);
    $("history").addEventListener("change", function () {
      var i = parseInt($("history").value, 10);
      var item = loadHistory()[i];
      $("history").value = "";
      if (item) { restore(item, true); }
    });
    $("tab-table").addEventListener("click", function () { selectTab("table"); });
    $("tab-chart").addEventListener("click", function () { selectTab("chart"); });
    $("tab-graph").addEventListener("click", function () { selectTab("graph"); });
    $("chart-kind").addEventListener("change", drawChart);
    textarea.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); runQuery(true); }
    });
    window.addEventListener("popstate", function (e) {
      var snap = e.state || fromLocation();
      if (snap) { restore(snap, true); }
    });
    renderHistory();
    var initial = fromLocation();
    var ready = initial ? restore(initial, true) : restore({ name: data.default_query, params: {} }, false);
    ready.then(function () { document.body.setAttribute("data-ready", editor ? "yasqe" : "textarea"); });
    setTimeout(watchBuild, data.status_interval || 3000);
  });
}());
