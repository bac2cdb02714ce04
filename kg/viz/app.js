/* myoclonus-kg graph view.
 *
 * Reads the graph from the JSON data block (#kg-data), draws it with
 * vis-network, and builds every piece of text with textContent: data is never parsed as
 * HTML. Links are made only from https URLs that the Python side computed.
 * window.kgView is a small hook for tests and for the console.
 */
(function () {
  "use strict";

  const view = window.kgView = {
    ready: false, stabilized: false, interactive: false, settledBy: null, errors: [],
    timings: { script: performance.now() },
  };
  window.addEventListener("error", (e) => { view.errors.push(String(e.message || e)); });

  const data = JSON.parse(document.getElementById("kg-data").textContent);
  const info = data.info;
  view.data = data;
  // The JSON leaves empty values out; fill them in, and give each edge its ends and labels.
  Object.keys(info.nodes).forEach((id) => {
    info.nodes[id] = Object.assign({ curie: "", url: null, definition: "", types: [], synonyms: [],
      xrefs: [], characteristics: [], values: {} }, info.nodes[id]);
  });
  const predicateInfo = {};
  data.predicates.forEach((p) => { predicateInfo[p.predicate] = p; });
  data.edges.forEach((item) => {
    const e = info.edges[item.id] = Object.assign({ predicate: "", quote: "", status: "", correction: "",
      reference: "", qualifiers: {}, statement: "", source: "" }, info.edges[item.id]);
    const p = predicateInfo[e.predicate] || {};
    e.from = item.from;
    e.to = item.to;
    e.label = p.label || e.predicate;
    e.biolink = p.biolink || "";
  });
  view.timings.parsed = performance.now();

  // ------------------------------------------------------------------ helpers
  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function link(text, url) {
    if (typeof url === "string" && /^https:\/\/[^\s"'<>]+$/.test(url)) {
      const a = el("a", text);
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      return a;
    }
    return el("span", text);
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function fold(text) { return String(text || "").toLocaleLowerCase(); }
  const SVG = "http://www.w3.org/2000/svg";
  function polygon(points) { return points.map((p) => p[0].toFixed(1) + "," + p[1].toFixed(1)).join(" "); }
  function swatch(shape, color) {
    // A small SVG of the node shape, drawn with DOM calls (colours are our own #rrggbb).
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 14 14");
    svg.setAttribute("class", "kg-swatch");
    svg.setAttribute("aria-hidden", "true");
    let shapeNode;
    const c = 7, r = 6;
    const star = [];
    for (let i = 0; i < 10; i++) {
      const a = -Math.PI / 2 + i * Math.PI / 5, rr = i % 2 ? r * 0.45 : r;
      star.push([c + rr * Math.cos(a), c + rr * Math.sin(a)]);
    }
    const hexagon = [];
    for (let i = 0; i < 6; i++) hexagon.push([c + r * Math.cos(i * Math.PI / 3), c + r * Math.sin(i * Math.PI / 3)]);
    const polygons = {
      diamond: [[c, 1], [13, c], [c, 13], [1, c]],
      triangle: [[c, 1], [13, 12], [1, 12]],
      triangleDown: [[1, 2], [13, 2], [c, 13]],
      star: star, hexagon: hexagon,
    };
    if (shape === "square") {
      shapeNode = document.createElementNS(SVG, "rect");
      shapeNode.setAttribute("x", "2"); shapeNode.setAttribute("y", "2");
      shapeNode.setAttribute("width", "10"); shapeNode.setAttribute("height", "10");
    } else if (polygons[shape]) {
      shapeNode = document.createElementNS(SVG, "polygon");
      shapeNode.setAttribute("points", polygon(polygons[shape]));
    } else {
      shapeNode = document.createElementNS(SVG, "circle");
      shapeNode.setAttribute("cx", "7"); shapeNode.setAttribute("cy", "7"); shapeNode.setAttribute("r", "6");
    }
    if (/^#[0-9a-fA-F]{6}$/.test(color)) shapeNode.setAttribute("fill", color);
    svg.appendChild(shapeNode);
    return svg;
  }

  // ---------------------------------------------------------------- the network
  const nodes = new vis.DataSet(data.nodes);
  const edges = new vis.DataSet(data.edges);
  const hiddenCategories = new Set();
  const hiddenPredicates = new Set();
  // An overview (data.meta.mode "overview") draws clusters; their members are folded until the
  // cluster is expanded (all in the page: no request).
  const folded = new Set();
  Object.keys(info.nodes).forEach((id) => { if (info.nodes[id].cluster) folded.add(id); });
  const nodeView = new vis.DataView(nodes, {
    filter: (n) => !folded.has(n.id) && !hiddenCategories.has(info.nodes[n.id].category),
  });
  const edgeView = new vis.DataView(edges, {
    filter: (e) => !folded.has(e.from) && !folded.has(e.to) && !hiddenPredicates.has(info.edges[e.id].predicate),
  });
  function expand(id) {
    const n = info.nodes[id];
    if (!n || !n.members || folded.has(id)) return false;
    folded.add(id);
    n.members.forEach((m) => folded.delete(m));
    nodeView.refresh(); edgeView.refresh();
    if (typeof renderStatus === "function" && view.ready) renderStatus();
    return true;
  }
  function collapse(id) {
    const n = info.nodes[id];
    if (!n || !n.members || !folded.has(id)) return false;
    folded.delete(id);
    n.members.forEach((m) => folded.add(m));
    nodeView.refresh(); edgeView.refresh();
    renderStatus();
    return true;
  }
  const container = document.getElementById("kg-canvas");
  const physicsOn = !!(data.options.physics && data.options.physics.enabled);
  const network = new vis.Network(container, { nodes: nodeView, edges: edgeView }, data.options);
  view.timings.created = performance.now();
  Object.assign(view, { network: network, nodes: nodes, edges: edges, nodeView: nodeView, edgeView: edgeView });

  // stabilized: the layout is final (physics stopped, or never on); interactive: the final
  // layout has been drawn.
  function interactive() {
    view.interactive = true;
    view.timings.interactive = performance.now();
    document.body.setAttribute("data-state", "ready");
  }
  function settle(how, drawn) {
    if (view.stabilized) return;
    view.stabilized = true;
    view.settledBy = how;
    view.timings.stabilized = performance.now();
    renderStatus();
    if (drawn) interactive(); else network.once("afterDrawing", interactive);
  }
  network.once("stabilizationIterationsDone", () => {
    network.setOptions({ physics: false });
    settle("stabilizationIterationsDone", false);
  });
  network.once("afterDrawing", () => {
    view.timings.firstDraw = performance.now();
    if (!physicsOn || nodes.length === 0) settle("firstDraw", true);
  });
  if (!physicsOn) network.fit();

  // Base look of every element, to restore after a selection dims the rest.
  const baseOpacity = {};
  nodes.forEach((n) => { baseOpacity[n.id] = n.opacity === undefined ? 1 : n.opacity; });
  const baseEdgeColor = {};
  edges.forEach((e) => { baseEdgeColor[e.id] = Object.assign({ opacity: 1 }, e.color || {}); });
  const dimmedNodes = new Set();
  const dimmedEdges = new Set();
  const DIM_NODE = 0.12, DIM_EDGE = 0.06;

  function dimAllBut(keepNodes, keepEdges) {
    // keepNodes === null restores everything.
    const nodeUpdates = [], edgeUpdates = [];
    nodes.forEach((n) => {
      const dim = keepNodes !== null && !keepNodes.has(n.id);
      if (dim === dimmedNodes.has(n.id)) return;
      if (dim) dimmedNodes.add(n.id); else dimmedNodes.delete(n.id);
      nodeUpdates.push({ id: n.id, opacity: dim ? Math.min(DIM_NODE, baseOpacity[n.id]) : baseOpacity[n.id],
                         font: { color: dim ? "rgba(31,41,51,0.3)" : "#1f2933" } });
    });
    edges.forEach((e) => {
      const dim = keepEdges !== null && !keepEdges.has(e.id);
      if (dim === dimmedEdges.has(e.id)) return;
      if (dim) dimmedEdges.add(e.id); else dimmedEdges.delete(e.id);
      const color = Object.assign({}, baseEdgeColor[e.id]);
      if (dim) color.opacity = DIM_EDGE;
      edgeUpdates.push({ id: e.id, color: color, font: { color: dim ? "rgba(82,96,109,0.15)" : "#52606d" } });
    });
    if (nodeUpdates.length) nodes.update(nodeUpdates);
    if (edgeUpdates.length) edges.update(edgeUpdates);
  }

  // ------------------------------------------------------------------ details
  const details = document.getElementById("kg-details");
  let pinned = null;  // {kind: "node"|"edge", id}

  function hint() {
    clear(details);
    details.appendChild(el("p", "Click a node or an edge to see its details; hover a node for a preview.", "kg-hint"));
  }
  function field(dl, name, value) {
    dl.appendChild(el("dt", name));
    const dd = el("dd");
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    dl.appendChild(dd);
    return dd;
  }
  function list(items, make) {
    const ul = el("ul");
    items.forEach((item) => { const li = el("li"); li.appendChild(make(item)); ul.appendChild(li); });
    return ul;
  }
  function nodeButton(id) {
    const b = el("button", info.nodes[id] ? info.nodes[id].label : id, "kg-link");
    b.type = "button";
    b.addEventListener("click", () => focusNode(id));
    return b;
  }
  function edgeButton(id) {
    const b = el("button", info.edges[id].sentence, "kg-link");
    b.type = "button";
    b.addEventListener("click", () => selectEdge(id));
    return b;
  }

  function showNode(id) {
    const n = info.nodes[id];
    if (!n) return;
    clear(details);
    details.setAttribute("data-kind", "node");
    details.setAttribute("data-id", id);
    details.appendChild(el("h2", n.label, "kg-label"));
    const dl = el("dl");
    const cat = el("span");
    const style = data.legend.find((c) => c.category === n.category);
    if (style) cat.appendChild(swatch(style.shape, style.color));
    cat.appendChild(document.createTextNode(" " + n.categoryName + (n.types.length ? " (" + n.types.join(", ") + ")" : "")));
    field(dl, "Category", cat);
    if (n.members) {
      const b = el("button", folded.has(id) ? "Collapse" : "Expand (" + n.members.length + " of " + n.memberCount + ")", "kg-link kg-expand");
      b.type = "button";
      b.addEventListener("click", () => { if (folded.has(id)) collapse(id); else expand(id); showNode(id); });
      field(dl, "Members", b);
    }
    if (n.cluster) {
      const b = el("button", "Fold back into " + info.nodes[n.cluster].label, "kg-link kg-collapse");
      b.type = "button";
      b.addEventListener("click", () => { collapse(n.cluster); pinned = null; dimAllBut(null, null); hint(); });
      field(dl, "Cluster", b);
    }
    if (n.definition) field(dl, "Definition", n.definition).className = "kg-definition";
    if (n.synonyms.length) field(dl, "Synonyms", n.synonyms.join("; "));
    const ids = el("span", null, "kg-identifiers");
    ids.appendChild(link(n.curie || n.iri, n.url));
    n.xrefs.forEach((x) => { ids.appendChild(document.createTextNode(" \u00b7 ")); ids.appendChild(link(x.id, x.url)); });
    field(dl, "Identifiers", ids);
    if (n.characteristics.length) field(dl, "Characteristics", list(n.characteristics, (c) => el("span", c)));
    Object.keys(n.values).forEach((k) => field(dl, k, n.values[k]));
    field(dl, "Degree", (n.in + n.out) + " (in " + n.in + ", out " + n.out + ")").className = "kg-degree";
    if (n.distance !== undefined) field(dl, "Distance from the focus", n.distance);
    const connected = edges.getIds({ filter: (e) => e.from === id || e.to === id });
    if (connected.length) {
      const shown = connected.slice(0, 60);
      field(dl, "Statements" + (connected.length > shown.length ? " (first " + shown.length + " of " + connected.length + ")" : ""),
        list(shown, edgeButton));
    }
    details.appendChild(dl);
  }

  function showEdge(id) {
    const e = info.edges[id];
    if (!e) return;
    clear(details);
    details.setAttribute("data-kind", "edge");
    details.setAttribute("data-id", id);
    details.appendChild(el("h2", e.sentence, "kg-label"));
    const dl = el("dl");
    const ends = el("span");
    ends.appendChild(nodeButton(e.from));
    ends.appendChild(document.createTextNode(" \u2192 " + e.label + " \u2192 "));
    ends.appendChild(nodeButton(e.to));
    field(dl, "Statement", ends);
    const status = el("span", e.status || "asserted", "kg-badge" + (e.status === "corrected" ? " kg-corrected" : ""));
    field(dl, "Status", status).className = "kg-status";
    if (e.quote) {
      const dd = field(dl, "Evidence", "");
      dd.appendChild(el("blockquote", e.quote, "kg-quote"));
      if (e.quoteStart !== null && e.quoteStart !== undefined) {
        dd.appendChild(el("span", "characters " + e.quoteStart + "\u2013" + e.quoteEnd + " of " + (e.source || "the source"), "kg-offsets"));
      } else if (e.source) {
        dd.appendChild(el("span", "from " + e.source, "kg-offsets"));
      }
    }
    if (e.correction) field(dl, "Correction", e.correction).className = "kg-correction";
    if (e.reference) field(dl, "Reference", e.reference).className = "kg-reference";
    const quals = Object.keys(e.qualifiers);
    if (quals.length) field(dl, "Qualifiers", list(quals, (k) => el("span", k + ": " + e.qualifiers[k])));
    field(dl, "Predicate", e.predicate + (e.biolink ? " (" + e.biolink + ")" : ""));
    if (e.statement) field(dl, "Statement id", e.statement);
    details.appendChild(dl);
  }

  function restoreDetails() {
    if (pinned && pinned.kind === "node") showNode(pinned.id);
    else if (pinned && pinned.kind === "edge") showEdge(pinned.id);
    else hint();
  }

  // ---------------------------------------------------------------- selection
  function select(params) {
    if (params.nodes && params.nodes.length) {
      const id = params.nodes[0];
      pinned = { kind: "node", id: id };
      const keepNodes = new Set(network.getConnectedNodes(id));
      keepNodes.add(id);
      dimAllBut(keepNodes, new Set(network.getConnectedEdges(id)));
      showNode(id);
    } else if (params.edges && params.edges.length) {
      const id = params.edges[0];
      pinned = { kind: "edge", id: id };
      const e = info.edges[id];
      dimAllBut(new Set([e.from, e.to]), new Set([id]));
      showEdge(id);
    } else {
      pinned = null;
      dimAllBut(null, null);
      hint();
    }
  }
  network.on("click", select);
  network.on("doubleClick", (p) => {
    if (p.nodes && p.nodes.length && info.nodes[p.nodes[0]] && info.nodes[p.nodes[0]].members) {
      const id = p.nodes[0];
      pinned = null; dimAllBut(null, null);
      expand(id);
      hint();
    }
  });
  network.on("hoverNode", (p) => { if (!pinned) showNode(p.node); });
  network.on("blurNode", () => { if (!pinned) hint(); });

  function selectEdge(id) {
    if (!info.edges[id]) return false;
    const e = info.edges[id];
    reveal(e.from); reveal(e.to);
    if (hiddenPredicates.has(e.predicate)) setHidden("predicates", e.predicate, false);
    network.selectEdges([id]);
    select({ nodes: [], edges: [id] });
    return true;
  }
  function selectNode(id) {
    if (!info.nodes[id]) return false;
    reveal(id);
    network.selectNodes([id], false);
    select({ nodes: [id], edges: [] });
    return true;
  }
  function focusNode(id) {
    if (!selectNode(id)) return false;
    network.focus(id, { scale: Math.max(network.getScale(), 1.0), animation: { duration: 400, easingFunction: "easeInOutQuad" } });
    return true;
  }
  function reveal(id) {
    if (folded.has(id) && info.nodes[id].cluster) expand(info.nodes[id].cluster);
    const cat = info.nodes[id] && info.nodes[id].category;
    if (cat && hiddenCategories.has(cat)) setHidden("categories", cat, false);
  }

  // ---------------------------------------------------------------- filters
  const checkboxes = { categories: {}, predicates: {} };
  function setHidden(group, value, hidden) {
    const set = group === "categories" ? hiddenCategories : hiddenPredicates;
    if (hidden) set.add(value); else set.delete(value);
    const box = checkboxes[group][value];
    if (box) box.checked = !hidden;
    (group === "categories" ? nodeView : edgeView).refresh();
    renderStatus();
  }
  function filterList(containerId, group, entries, key, makeLabel) {
    const box = document.getElementById(containerId);
    entries.forEach((entry) => {
      const label = el("label");
      const input = el("input");
      input.type = "checkbox";
      input.checked = true;
      input.value = entry[key];
      input.setAttribute("data-group", group);
      input.addEventListener("change", () => setHidden(group, entry[key], !input.checked));
      checkboxes[group][entry[key]] = input;
      label.appendChild(input);
      makeLabel(label, entry);
      label.appendChild(el("span", entry.count, "kg-count"));
      box.appendChild(label);
    });
  }
  filterList("kg-legend", "categories", data.legend, "category", (label, c) => {
    label.appendChild(swatch(c.shape, c.color));
    const name = el("span", c.name, "kg-name");
    name.title = c.category;
    label.appendChild(name);
  });
  filterList("kg-predicates", "predicates", data.predicates, "predicate", (label, p) => {
    const name = el("span", p.label, "kg-name");
    name.title = p.predicate;
    label.appendChild(name);
  });
  document.querySelectorAll(".kg-toggle-all button").forEach((b) => {
    b.addEventListener("click", () => {
      const group = b.getAttribute("data-group");
      const hide = b.getAttribute("data-value") === "none";
      const set = group === "categories" ? hiddenCategories : hiddenPredicates;
      Object.keys(checkboxes[group]).forEach((v) => {
        if (hide) set.add(v); else set.delete(v);
        checkboxes[group][v].checked = !hide;
      });
      (group === "categories" ? nodeView : edgeView).refresh();
      renderStatus();
    });
  });

  // ------------------------------------------------------------------ search
  const searchIndex = Object.keys(info.nodes).map((id) => {
    const n = info.nodes[id];
    return { id: id, label: fold(n.label), synonyms: n.synonyms.map(fold),
             ids: [fold(n.curie)].concat(n.xrefs.map((x) => fold(x.id))) };
  });
  function search(text) {
    const q = fold(text).trim();
    if (!q) return [];
    const hits = [];
    searchIndex.forEach((s) => {
      let score = null;
      if (s.label === q || s.ids.indexOf(q) >= 0) score = 0;
      else if (s.label.startsWith(q)) score = 1;
      else if (s.synonyms.some((x) => x === q)) score = 2;
      else if (s.label.indexOf(q) >= 0) score = 3;
      else if (s.synonyms.some((x) => x.indexOf(q) >= 0)) score = 4;
      if (score !== null) hits.push([score, s.label, s.id]);
    });
    hits.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return hits.map((h) => h[2]);
  }
  const searchBox = document.getElementById("kg-search");
  const results = document.getElementById("kg-search-results");
  function showResults() {
    clear(results);
    const ids = search(searchBox.value).slice(0, 12);
    ids.forEach((id, i) => {
      const li = el("li");
      li.setAttribute("role", "option");
      if (i === 0) li.className = "kg-active";
      const b = el("button", info.nodes[id].label);
      b.type = "button";
      b.setAttribute("data-id", id);
      const syn = info.nodes[id].synonyms.find((s) => fold(s).indexOf(fold(searchBox.value).trim()) >= 0);
      b.appendChild(el("span", syn && fold(info.nodes[id].label).indexOf(fold(searchBox.value).trim()) < 0
        ? "synonym: " + syn : info.nodes[id].categoryName, "kg-sub"));
      b.addEventListener("click", () => { focusNode(id); results.hidden = true; });
      li.appendChild(b);
      results.appendChild(li);
    });
    if (!ids.length && searchBox.value.trim()) results.appendChild(el("li", "no match", "kg-sub"));
    results.hidden = !searchBox.value.trim();
    return ids;
  }
  searchBox.addEventListener("input", showResults);
  searchBox.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter") {
      const ids = search(searchBox.value);
      if (ids.length) { focusNode(ids[0]); results.hidden = true; }
    } else if (ev.key === "Escape") {
      searchBox.value = "";
      results.hidden = true;
    }
  });
  document.addEventListener("click", (ev) => {
    if (!document.getElementById("kg-search-box").contains(ev.target)) results.hidden = true;
  });

  // ------------------------------------------------------------------ status
  function visibleCounts() {
    const shown = new Set(nodeView.getIds());
    const edgeCount = edgeView.get({ filter: (e) => shown.has(e.from) && shown.has(e.to) }).length;
    return { nodes: shown.size, edges: edgeCount };
  }
  function renderStatus() {
    const status = document.getElementById("kg-status");
    const c = visibleCounts();
    let text = c.nodes + " of " + nodes.length + " entities \u00b7 " + c.edges + " of " + edges.length +
      " relations shown";
    // Plain words for a reader, not the layout machinery.
    text += " \u00b7 " + (data.meta.layout === "precomputed" ? "large graph: positions are fixed"
      : (view.stabilized ? "drag an entity to move it" : "arranging the graph\u2026"));
    data.meta.notes.forEach((n) => { text += " \u00b7 " + n; });
    status.textContent = text;
  }

  document.getElementById("kg-title").textContent = data.meta.title;
  document.getElementById("kg-description").textContent = data.meta.description;
  hint();
  renderStatus();

  Object.assign(view, {
    ready: true, select: select, selectNode: selectNode, selectEdge: selectEdge, focusNode: focusNode,
    search: search, setHidden: setHidden, visibleCounts: visibleCounts, expand: expand, collapse: collapse,
    folded: folded,
  });
  view.timings.ready = performance.now();
})();
