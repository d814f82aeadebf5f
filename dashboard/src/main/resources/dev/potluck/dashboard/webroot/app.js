// The dashboard: renders /api/v1/events (Server-Sent Events of /api/v1/swarm) into the page.
// Plain DOM and SVG, no library; every piece of data goes in as text, never as markup.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);

  function bytes(n) {
    if (n === null || n === undefined || n < 0) return "–";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n.toFixed(0) : n.toFixed(n < 10 ? 1 : 0)) + " " + units[i];
  }
  const rate = (n) => (n === null || n === undefined ? "–" : bytes(n) + "/s");
  function duration(s) {
    if (s === null || s === undefined) return "–";
    if (s < 60) return s + " s";
    if (s < 3600) return Math.floor(s / 60) + " min";
    if (s < 86400) return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
    return Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
  }
  const short = (id) => (id ? id.substring(0, 8) : "upstream");
  function colour(id) {
    if (!id) return "#e0713a";
    let h = 0;
    for (let i = 0; i < 8; i++) h = (h * 31 + id.charCodeAt(i)) % 360;
    return "hsl(" + h + ", 55%, 48%)";
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function objectName(url) {
    const path = (url || "").replace(/[?#].*$/, "").replace(/\/+$/, "");
    return path.substring(path.lastIndexOf("/") + 1) || url;
  }

  function renderMembers(view) {
    const body = $("members").tBodies[0];
    body.replaceChildren();
    for (const m of view.members) {
      const tr = el("tr", m.self ? "self" : m.blocklisted ? "blocklisted" : "");
      tr.dataset.node = m.nodeId;
      tr.dataset.reported = String(m.uptimeSeconds !== null && m.uptimeSeconds !== undefined);
      const name = el("td", "node");
      const dot = el("span", "dot");
      dot.style.background = colour(m.nodeId);
      name.append(dot, document.createTextNode(short(m.nodeId)));
      name.title = m.nodeId;
      if (m.self) name.append(el("span", "badge", "this node"));
      if (m.blocklisted) {
        // Served wrong bytes: this node never asks it again. The reason is in the tooltip.
        const badge = el("span", "badge bad", "blocklisted");
        badge.title = m.blocklisted;
        name.append(badge);
      }
      tr.append(name, el("td", "node wide", m.address || "–"), el("td", "wide", m.version || "–"),
        el("td", "wide", duration(m.uptimeSeconds)), el("td", "num", bytes(m.cacheBytes)),
        el("td", "num", (m.activeUploads ?? "–") + " / " + (m.activeDownloads ?? "–")),
        el("td", "num", rate(m.uploadBytesPerSecond)));
      body.append(tr);
    }
  }

  function renderTransfers(view) {
    const box = $("transfers");
    box.replaceChildren();
    if (view.transfers.length === 0) {
      box.append(el("p", "empty", "Nothing is moving right now."));
      return;
    }
    for (const t of view.transfers) {
      const row = el("div", "transfer");
      row.dataset.key = t.key;
      row.dataset.to = t.to;
      const top = el("div", "top");
      top.append(el("span", "name", t.name), el("span", "route", short(t.from) + " → " + short(t.to)));
      const bar = el("div", "bar" + (t.from ? "" : " up") + (t.size < 0 ? " unknown" : ""));
      const fill = el("div");
      fill.style.width = (t.size > 0 ? Math.min(100, (100 * t.bytes) / t.size) : 0).toFixed(1) + "%";
      bar.append(fill);
      const figures = el("div", "figures", bytes(t.bytes) + " of " + (t.size < 0 ? "?" : bytes(t.size))
        + (t.size > 0 ? " (" + Math.floor((100 * t.bytes) / t.size) + "%)" : "") + " · " + rate(t.bytesPerSecond));
      row.append(top, bar, figures);
      box.append(row);
    }
  }

  // Layered drawing: upstream on the left, each receiver one column right of its source.
  function renderTree(view) {
    const tree = $("tree");
    tree.replaceChildren();
    const source = {};
    for (const t of view.transfers) if (!(t.to in source) || t.from === null) source[t.to] = t.from;
    const depth = {};
    function depthOf(id, seen) {
      if (id === null) return 0;
      if (depth[id] !== undefined) return depth[id];
      if (seen.has(id)) return 1;
      seen.add(id);
      const d = id in source ? 1 + depthOf(source[id], seen) : 1;
      depth[id] = d;
      return d;
    }
    const columns = [[null]];
    for (const m of view.members) {
      const d = depthOf(m.nodeId, new Set());
      (columns[d] = columns[d] || []).push(m.nodeId);
    }
    for (let i = 0; i < columns.length; i++) columns[i] = columns[i] || [];
    const colWidth = 150, rowHeight = 84, pad = 34;
    const rows = Math.max(...columns.map((c) => c.length), 1);
    const width = Math.max(colWidth * columns.length, 320), height = rows * rowHeight + 2 * pad - 20;
    tree.setAttribute("viewBox", "0 0 " + width + " " + height);
    const at = {};
    columns.forEach((ids, c) => ids.forEach((id, r) => {
      at[id === null ? "" : id] = { x: pad + 20 + c * colWidth, y: pad + (r + 0.5) * ((height - 2 * pad) / ids.length) };
    }));
    const defs = svg("defs", {});
    for (const kind of ["up", "lan"]) {
      const marker = svg("marker", { id: "arrow-" + kind, viewBox: "0 0 10 10", refX: 10, refY: 5,
        markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
      marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: kind === "up" ? "#e0713a" : "#2e9d6a" }));
      defs.append(marker);
    }
    tree.append(defs);
    for (const t of view.transfers) {
      const a = at[t.from === null ? "" : t.from], b = at[t.to];
      if (!a || !b) continue;
      const kind = t.from === null ? "up" : "lan";
      const dx = b.x - a.x, dy = b.y - a.y, len = Math.hypot(dx, dy) || 1, r = 22;
      const x1 = a.x + (dx / len) * r, y1 = a.y + (dy / len) * r, x2 = b.x - (dx / len) * (r + 3), y2 = b.y - (dy / len) * (r + 3);
      const path = svg("path", { class: "edge moving " + kind, d: "M" + x1 + " " + y1 + " L" + x2 + " " + y2,
        "marker-end": "url(#arrow-" + kind + ")" });
      path.append(svg("title", {}, t.name + ": " + short(t.from) + " → " + short(t.to)));
      tree.append(path);
    }
    for (const key in at) {
      const id = key === "" ? null : key;
      const p = at[key];
      const g = svg("g", { class: "vertex" });
      g.append(svg("circle", { cx: p.x, cy: p.y, r: 20, fill: id === null ? "#4a5160" : colour(id) }));
      const self = id !== null && id === view.nodeId;
      g.append(svg("text", { x: p.x, y: p.y + 33 }, id === null ? "upstream" : short(id) + (self ? " (this)" : "")));
      g.append(svg("text", { x: p.x, y: p.y + 4, fill: "#fff", style: "fill:#fff;font-weight:700" },
        id === null ? "WAN" : id.substring(0, 2)));
      tree.append(g);
    }
  }

  function renderChart(view) {
    const chart = $("chart");
    chart.replaceChildren();
    const points = view.savings.history;
    const width = Math.max(chart.clientWidth || 600, 300), height = 220, left = 64, right = 12, top = 12, bottom = 26;
    chart.setAttribute("viewBox", "0 0 " + width + " " + height);
    const max = Math.max(1, ...points.map((p) => Math.max(p[1], p[2])));
    const t0 = points.length ? points[0][0] : 0, t1 = points.length ? points[points.length - 1][0] : 1;
    const x = (t) => left + ((t - t0) / Math.max(1, t1 - t0)) * (width - left - right);
    const y = (v) => top + (1 - v / max) * (height - top - bottom);
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      chart.append(svg("line", { class: "gridline", x1: left, x2: width - right, y1: y(v), y2: y(v) }));
      chart.append(svg("text", { class: "axis", x: left - 6, y: y(v) + 3, "text-anchor": "end" }, bytes(v)));
    }
    if (points.length > 1) {
      const span = Math.round((t1 - t0) / 1000);
      chart.append(svg("text", { class: "axis", x: left, y: height - 8 }, duration(span) + " ago"));
      chart.append(svg("text", { class: "axis", x: width - right, y: height - 8, "text-anchor": "end" }, "now"));
      for (const [index, cls, stroke] of [[1, "up", "#e0713a"], [2, "lan", "#2e9d6a"]]) {
        const line = points.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[index]).toFixed(1)).join(" ");
        const area = line + " L" + x(t1) + " " + y(0) + " L" + x(t0) + " " + y(0) + " Z";
        if (cls === "lan") chart.append(svg("path", { d: area, fill: stroke, "fill-opacity": 0.14, class: "area " + cls }));
        chart.append(svg("path", { d: line, fill: "none", stroke: stroke, "stroke-width": 2.2, class: "line " + cls }));
      }
    } else {
      chart.append(svg("text", { class: "axis", x: left + 8, y: height / 2 }, "collecting samples…"));
    }
  }

  function renderObjects(view) {
    const body = $("objects").tBodies[0];
    body.replaceChildren();
    $("objectCount").textContent = view.objectCount > view.objects.length
      ? "(" + view.objects.length + " most recent of " + view.objectCount + ")" : "(" + view.objectCount + ")";
    if (view.objects.length === 0) {
      const tr = el("tr");
      const td = el("td", "empty", "The cache is empty.");
      td.colSpan = 3;
      tr.append(td);
      body.append(tr);
    }
    for (const o of view.objects) {
      const tr = el("tr");
      tr.dataset.key = o.key;
      const name = el("td", "object", objectName(o.url));
      name.title = o.url;
      const holders = el("td", "holders");
      for (const h of o.holders) holders.append(el("span", "chip" + (h === view.nodeId ? " self" : ""), short(h)));
      tr.append(name, el("td", "num", bytes(o.size)), holders);
      body.append(tr);
    }
  }

  function render(view) {
    $("cluster").textContent = view.cluster ? "cluster " + view.cluster : "running alone";
    $("self").textContent = short(view.nodeId);
    $("memberCount").textContent = view.members.length;
    $("transferCount").textContent = view.transfers.length;
    const up = view.savings.upstreamBytes, lan = view.savings.lanBytes;
    $("upstreamTotal").textContent = bytes(up);
    $("lanTotal").textContent = bytes(lan);
    $("savedShare").textContent = up + lan > 0 ? Math.round((100 * lan) / (up + lan)) + "%" : "–";
    renderMembers(view);
    renderTransfers(view);
    renderTree(view);
    renderChart(view);
    renderObjects(view);
    document.body.dataset.updated = String(view.time);
  }

  function connect() {
    const status = $("status");
    const source = new EventSource("/api/v1/events");
    source.addEventListener("swarm", (e) => {
      status.className = "status live";
      status.textContent = "live";
      render(JSON.parse(e.data));
    });
    source.onerror = () => {
      status.className = "status lost";
      status.textContent = "reconnecting";
    };
  }
  connect();
})();
