(function () {
  "use strict";
  function drawSnake() {
    var data = JSON.parse(document.getElementById("snake-data").textContent);
    var host = document.getElementById("snake");
    var NS = "http://www.w3.org/2000/svg";
    var W = 1000, H = 410, L = 150, R = 30, T = 26, B = 120;
    var n = data.features.length;
    var lim = 1.5;
    data.segments.forEach(function (s) {
      s.z.forEach(function (z) { if (z !== null) lim = Math.max(lim, Math.abs(z)); });
    });
    lim = Math.ceil(lim * 2 + 0.2) / 2;
    function x(i) { return L + (n > 1 ? i * (W - L - R) / (n - 1) : (W - L - R) / 2); }
    function y(z) { return T + (lim - z) * (H - T - B) / (2 * lim); }
    function el(name, attrs, parent) {
      var node = document.createElementNS(NS, name);
      Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
      parent.appendChild(node);
      return node;
    }
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": "Snake plot of standardised segment means"}, host);
    for (var g = -Math.floor(lim); g <= Math.floor(lim); g += 1) {
      el("line", {x1: L, x2: W - R, y1: y(g), y2: y(g),
        stroke: g === 0 ? "#718096" : "#e2e6ec",
        "stroke-width": g === 0 ? 1.2 : 1}, svg);
      el("text", {x: L - 8, y: y(g) + 4, "text-anchor": "end", "font-size": 12,
        fill: "#5a6475"}, svg).textContent = (g > 0 ? "+" : "") + g;
    }
    data.features.forEach(function (f, i) {
      el("line", {x1: x(i), x2: x(i), y1: T, y2: H - B, stroke: "#f0f2f5"}, svg);
      el("text", {x: x(i), y: H - B + 14, "font-size": 12, fill: "#2d3748",
        "text-anchor": "end",
        transform: "rotate(-35 " + x(i) + " " + (H - B + 14) + ")"},
        svg).textContent = f;
    });
    var lines = [];
    data.segments.forEach(function (s) {
      var group = el("g", {"class": "snake-line", "data-segment": s.name}, svg);
      var d = "";
      s.z.forEach(function (z, i) {
        if (z === null) return;
        d += (d ? " L" : "M") + x(i).toFixed(1) + " " + y(z).toFixed(1);
      });
      el("path", {d: d, fill: "none", stroke: s.colour, "stroke-width": 2.5}, group);
      s.z.forEach(function (z, i) {
        if (z === null) return;
        var dot = el("circle", {cx: x(i), cy: y(z), r: 4, fill: s.colour}, group);
        el("title", {}, dot).textContent = s.name + " - " + data.features[i] +
          ": " + s.labels[i] + " (" + (z > 0 ? "+" : "") + z.toFixed(2) + " sd)";
      });
      lines.push(group);
    });
    var legend = document.getElementById("snake-legend");
    data.segments.forEach(function (s, k) {
      var b = document.createElement("button");
      b.type = "button";
      b.innerHTML = '<span class="swatch"></span>';
      b.firstChild.style.background = s.colour;
      b.appendChild(document.createTextNode(s.name));
      b.addEventListener("click", function () {
        b.classList.toggle("off");
        lines[k].style.display = b.classList.contains("off") ? "none" : "";
      });
      legend.appendChild(b);
    });
  }
  function sortable() {
    document.querySelectorAll("table.sortable-table").forEach(function (table) {
      table.querySelectorAll("th.sortable").forEach(function (th, col) {
        th.addEventListener("click", function () {
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          var dir = th.dataset.dir === "desc" ? 1 : -1;
          th.dataset.dir = dir === 1 ? "asc" : "desc";
          var idx = th.cellIndex;
          rows.sort(function (a, b) {
            var x = a.cells[idx].dataset.v, y = b.cells[idx].dataset.v;
            var nx = parseFloat(x), ny = parseFloat(y);
            if (!isNaN(nx) && !isNaN(ny)) return dir * (nx - ny);
            return dir * String(x).localeCompare(String(y));
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
    });
  }
  drawSnake();
  sortable();
  var errors = document.documentElement.dataset.errors;
  document.body.dataset.rendered = errors ? "error" : "ok";
})();
