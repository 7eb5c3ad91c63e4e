// Buying-organisation map (客户采购组织内部关系分析图) on the customer page.
// The data comes from a json_script element; after an HTMX swap of the section the chart is
// drawn again from the new data. Clicking a person loads the stance/influence form via HTMX.
(function () {
  "use strict";

  function readData(id) {
    var el = document.getElementById(id);
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function escapeHtml(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (ch) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[ch];
    });
  }

  function tooltip(params, labels) {
    if (params.dataType === "edge") {
      return escapeHtml(params.data.name);
    }
    var d = params.data;
    var lines = ["<strong>" + escapeHtml(d.name) + "</strong>"];
    if (d.title) { lines.push(escapeHtml(d.title)); }
    lines.push(escapeHtml(labels.stance) + ": " + escapeHtml(d.stance));
    lines.push(escapeHtml(labels.influence) + ": " + escapeHtml(d.influence));
    if (d.roles) { lines.push(escapeHtml(labels.roles) + ": " + escapeHtml(d.roles)); }
    if (d.coach) { lines.push(escapeHtml(labels.coach) + ": " + escapeHtml(d.coach)); }
    return lines.join("<br>");
  }

  function draw(el) {
    if (!window.echarts) { return; }
    var data = readData(el.getAttribute("data-org-map"));
    if (!data) { return; }
    var old = window.echarts.getInstanceByDom(el);
    if (old) { old.dispose(); }
    var rows = 3;
    el.style.height = Math.max(320, rows * 150 + 60) + "px";
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { formatter: function (p) { return tooltip(p, data.labels); } },
      animationDuration: 300,
      series: [{
        type: "graph",
        layout: "none",
        roam: true,
        top: 50,
        bottom: 50,
        left: 40,
        right: 40,
        categories: data.categories,
        data: data.nodes,
        links: data.links.map(function (l) {
          return {
            source: l.source,
            target: l.target,
            lineStyle: l.lineStyle,
            label: { show: l.kind !== "reports_line", formatter: l.label, fontSize: 10 },
            name: l.label
          };
        }),
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 8,
        label: { show: true, position: "bottom", formatter: "{b}" },
        emphasis: { focus: "adjacency" },
        lineStyle: { opacity: 0.9 }
      }]
    });
    // The page may reflow (scroll bar, fonts) after the first paint; fit the canvas again.
    window.requestAnimationFrame(function () { chart.resize(); });
    if (el.getAttribute("data-editable") === "1") {
      chart.on("click", function (params) {
        if (params.dataType === "node" && !params.data.frame && params.data.editUrl && window.htmx) {
          window.htmx.ajax("GET", params.data.editUrl, { target: "#contact-dialog" });
        }
      });
    }
  }

  function init(root) {
    root.querySelectorAll("[data-org-map]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-org-map]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
  // A form loaded into the contact panel (from the map or the table) comes into view with focus.
  document.addEventListener("htmx:afterSwap", function (ev) {
    var target = ev.detail && ev.detail.target;
    if (target && target.id === "contact-dialog" && target.firstElementChild) {
      target.scrollIntoView({ block: "start", behavior: "smooth" });
      var first = target.querySelector("input:not([type=hidden]), select, textarea");
      if (first) { first.focus({ preventScroll: true }); }
    }
  });
  document.addEventListener("htmx:load", function (ev) {
    if (ev.target && ev.target.querySelectorAll) {
      if (ev.target.matches && ev.target.matches("[data-org-map]")) { draw(ev.target); }
      init(ev.target);
    }
  });
})();
