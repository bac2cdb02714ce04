/* myoclonus-kg query editor: YASQE (vendored, unmodified) told about our predeclared prefixes,
 * completing mk:/mkv:/HP:/... names by label from this server's /complete, and formatting a
 * query from the editor's own SPARQL tokens (never by patterns over the text).
 *
 * window.KG.editor = { create(textarea, prefixes, options), format(text) } */
(function () {
  "use strict";

  var KG = window.KG = window.KG || {};
  var COMPLETED = ["mk", "mkv", "HP", "OMIM", "ORPHA", "NCBIGene", "MONDO"];

  function yasqeClass() {
    var Y = window.Yasqe && (window.Yasqe.default || window.Yasqe);
    return typeof Y === "function" ? Y : null;
  }

  /* The tokenizer's state starts with no prefixes, so every mk: would be "not defined":
   * start it with ours (a query's own PREFIX lines still add to them). */
  function predeclare(Yasqe, prefixes) {
    if (!Yasqe.modes || !Yasqe.modes.sparql11 || Yasqe.modes.sparql11.kgPredeclared) { return; }
    var original = Yasqe.modes.sparql11;
    var wrapped = function (config, parserConfig) {
      var mode = original(config, parserConfig);
      var start = mode.startState;
      mode.startState = function () {
        var state = start.apply(mode, arguments);
        state.prefixes = Object.assign({}, prefixes, state.prefixes || {});
        return state;
      };
      return mode;
    };
    wrapped.kgPredeclared = true;
    Object.keys(original).forEach(function (k) { wrapped[k] = original[k]; });
    Yasqe.defineMode("sparql11", wrapped);
  }

  function termCompleter(lookupUrl) {
    var labels = {};
    function tokenParts(yasqe) {
      var token = yasqe.getCompleteToken();
      var text = token && token.string || "";
      var at = text.indexOf(":");
      if (at <= 0 || text.charAt(0) === "?" || text.charAt(0) === "$" || text.charAt(0) === "<") { return null; }
      var prefix = text.slice(0, at);
      if (COMPLETED.indexOf(prefix) < 0) { return null; }
      /* not in a PREFIX declaration */
      var line = yasqe.getLine(yasqe.getDoc().getCursor().line).trim().toUpperCase();
      if (line.indexOf("PREFIX") === 0) { return null; }
      return { prefix: prefix, local: text.slice(at + 1) };
    }
    return {
      name: "kgTerms",
      bulk: false,
      autoShow: true,
      persistenceId: null,
      isValidCompletionPosition: function (yasqe) { return tokenParts(yasqe) !== null; },
      get: function (yasqe) {
        var parts = tokenParts(yasqe);
        if (!parts) { return Promise.resolve([]); }
        var url = lookupUrl + "?limit=30&prefix=" + encodeURIComponent(parts.prefix) +
          "&q=" + encodeURIComponent(parts.local.replace(/_/g, " "));
        return fetch(url, { headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            return items.map(function (item) {
              labels[item.curie] = item.label + (item.kind ? " \u00b7 " + item.kind : "");
              return item.curie;
            });
          })
          .catch(function () { return []; });
      },
      postprocessHints: function (yasqe, hints) {
        hints.forEach(function (h) {
          if (labels[h.text]) { h.displayText = h.text + "  \u2014  " + labels[h.text]; }
        });
        return hints;
      }
    };
  }

  /* ------------------------------------------------------------- formatting */
  var BREAK_BEFORE = ["PREFIX", "BASE", "SELECT", "CONSTRUCT", "ASK", "DESCRIBE", "FROM",
    "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "VALUES", "OPTIONAL", "FILTER", "BIND", "MINUS",
    "UNION", "SERVICE", "GRAPH"];
  var KEEP_LINE = { "UNION": true };

  function tokensOf(cm) {
    var out = [];
    for (var i = 0; i < cm.lineCount(); i++) {
      cm.getLineTokens(i, true).forEach(function (t) {
        if (t.type !== "ws" && t.string.trim() !== "") { out.push({ type: t.type || "", text: t.string }); }
      });
      out.push({ type: "eol", text: "" });
    }
    return out;
  }

  /* Lay the tokens out: one triple per line, blocks indented, keywords upper-case. */
  function layout(tokens) {
    var lines = [];
    var line = "";
    var depth = 0;
    var parens = 0;
    var prev = null;
    var extra = 0; /* after ';': the next predicate indented under the subject */
    function indent() { return new Array(depth + 1).join("  ") + (extra ? "    " : ""); }
    function flush() {
      if (line.trim()) { lines.push(line.replace(/\s+$/, "")); }
      line = "";
    }
    function add(text, glue) {
      if (!line) { line = indent() + text; } else { line += (glue ? "" : " ") + text; }
    }
    tokens.forEach(function (t) {
      if (t.type === "eol") {
        if (prev && prev.type === "comment") { flush(); }
        return;
      }
      var text = t.text;
      var upper = text.toUpperCase();
      if (t.type === "keyword") {
        text = upper;
        /* a clause starts a line; "} UNION {" stays on one */
        if (BREAK_BEFORE.indexOf(upper) >= 0 && parens === 0 && !(KEEP_LINE[upper] && prev && prev.text === "}")) {
          flush();
          extra = 0;
        }
        if (upper === "BY" && prev && (prev.text.toUpperCase() === "GROUP" || prev.text.toUpperCase() === "ORDER")) {
          add(text); prev = t; return;
        }
      }
      if (t.type === "comment") {
        if (line.trim()) { add(text); flush(); } else { line = indent() + text; flush(); }
        prev = t; return;
      }
      if (text === "{") { add("{"); flush(); depth++; extra = 0; prev = t; return; }
      if (text === "}") { flush(); depth = Math.max(0, depth - 1); extra = 0; add("}"); prev = t; return; }
      if (text === "." && parens === 0 && t.type === "punc") { add("."); flush(); extra = 0; prev = t; return; }
      if (text === ";" && parens === 0) { add(";"); flush(); extra = 1; prev = t; return; }
      if (text === ",") { add(",", true); prev = t; return; }
      if (text === "(") {
        var call = prev && (prev.type === "keyword" || prev.type === "string-2") &&
          ["FILTER", "OPTIONAL", "AS", "WHERE", "SELECT", "BY", "IN"].indexOf(prev.text.toUpperCase()) < 0;
        add("(", call || (prev && prev.text === "(") || (prev && prev.text === "!"));
        parens++; prev = t; return;
      }
      if (text === ")") { add(")", true); parens = Math.max(0, parens - 1); prev = t; return; }
      var glue = prev && (prev.text === "(" || prev.text === "^^" || prev.text === "!" ||
        t.type === "meta" || text === "^^");
      add(text, glue);
      prev = t;
    });
    flush();
    return lines.join("\n") + "\n";
  }

  function formatEditor(yasqe) {
    if (yasqe.queryValid === false) {
      return { ok: false, message: "the query has a syntax error (marked in the margin); fix it first" };
    }
    var text = layout(tokensOf(yasqe));
    yasqe.setValue(text);
    return { ok: true };
  }

  /* The variables of the query in order of first appearance (for SELECT * columns). */
  function variableOrder(yasqe) {
    var seen = [];
    tokensOf(yasqe).forEach(function (t) {
      if (t.type === "atom" && (t.text.charAt(0) === "?" || t.text.charAt(0) === "$")) {
        var name = t.text.slice(1);
        if (seen.indexOf(name) < 0) { seen.push(name); }
      }
    });
    return seen;
  }

  function create(textarea, prefixes, options) {
    var Yasqe = yasqeClass();
    if (!Yasqe) { return null; }
    try {
      predeclare(Yasqe, prefixes);
      if (Yasqe.defaults) {
        Yasqe.defaults.autocompleters = ["variables"];
        Yasqe.defaults.prefixCcApi = null;
      }
      if (typeof Yasqe.registerAutocompleter === "function") {
        Yasqe.registerAutocompleter(termCompleter(options.lookupUrl || "/complete"), false);
      } else if (Yasqe.Autocompleters) {
        Yasqe.Autocompleters.kgTerms = termCompleter(options.lookupUrl || "/complete");
      }
      var holder = document.createElement("div");
      holder.className = "yasqe-holder";
      textarea.parentNode.insertBefore(holder, textarea);
      var yasqe = new Yasqe(holder, {
        value: textarea.value,
        persistenceId: null,
        persistencyExpire: 0,
        showQueryButton: false,
        createShareableLink: null,
        consumeShareLink: null,
        resizeable: true,
        editorHeight: "300px",
        autocompleters: ["variables", "kgTerms"],
        prefixCcApi: null,
        requestConfig: { endpoint: "/sparql", method: "POST" },
        extraKeys: {
          "Ctrl-Enter": options.run, "Cmd-Enter": options.run,
          "Shift-Ctrl-F": function () { if (options.format) { options.format(); } },
          "Ctrl-Space": function (cm) { cm.autocomplete(); }
        }
      });
      ["class", "property", "prefixes"].forEach(function (name) {
        if (typeof yasqe.disableCompleter === "function") {
          try { yasqe.disableCompleter(name); } catch (e) { /* not registered */ }
        }
      });
      var own = yasqe.getPrefixesFromQuery.bind(yasqe);
      /* completion and checks see the predeclared prefixes too */
      yasqe.getPrefixesFromQuery = function () { return Object.assign({}, prefixes, own()); };
      textarea.hidden = true;
      return yasqe;
    } catch (e) {
      if (window.console) { console.warn("query editor unavailable, using a plain text area", e); }
      return null;
    }
  }

  KG.editor = { create: create, format: formatEditor, variableOrder: variableOrder, layout: layout };
}());
