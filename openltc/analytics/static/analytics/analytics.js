// Analytics charts (ECharts). The data comes from the json_script element "analytics-data";
// each chart element names its kind in data-chart. Clicking a bar, funnel step, heat-map
// cell, radar series (a person or team) or scatter point (a deal) opens the records behind it
// (the drill-down page, with the report's filters).
(function () {
  "use strict";

  function readData() {
    var el = document.getElementById("analytics-data");
    if (!el) { return null; }
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function num(v) { return v == null ? null : Number(v); }

  function drill(el, kind, segment) {
    var base = el.getAttribute("data-records");
    if (!base) { return; }
    var query = el.getAttribute("data-query");
    var url = base + "?kind=" + encodeURIComponent(kind) + "&segment=" + encodeURIComponent(segment);
    if (query) { url += "&" + query; }
    window.location.assign(url);
  }

  var builders = {
    funnel: function (data, el, chart) {
      var steps = data.funnel || data.steps || [];
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) { return p.name + ": " + p.value + " · " + p.data.amount; } },
        series: [{ type: "funnel", sort: "none", minSize: "10%", label: { show: true, position: "inside" },
          data: steps.map(function (s) { return { name: s.name, value: s.value, amount: s.amount, kind: s.kind, segment: s.segment }; }) }]
      });
      chart.on("click", function (p) { drill(el, p.data.kind, p.data.segment); });
    },
    bars: function (data, el, chart) {
      var columns = data.columns || [];
      var series = data.series || (data.stages || []).map(function (s, i) { return { name: s.name, stage: s.stage, data: data.bars[i] }; });
      chart.setOption({
        tooltip: { trigger: "axis" }, legend: { type: "scroll" },
        xAxis: { type: "category", data: columns }, yAxis: { type: "value" },
        series: series.map(function (s) { return { name: s.name, stage: s.stage, type: "bar", stack: "pipeline", data: s.data.map(num) }; })
      });
      chart.on("click", function (p) { drill(el, "opportunity", "pipeline:" + series[p.seriesIndex].stage + "@" + columns[p.dataIndex]); });
    },
    heat: function (data, el, chart) {
      var max = 1;
      data.heat.forEach(function (c) { if (c[2] > max) { max = c[2]; } });
      chart.setOption({
        tooltip: { position: "top" },
        xAxis: { type: "category", data: data.columns, splitArea: { show: true } },
        yAxis: { type: "category", data: data.stages.map(function (s) { return s.name; }), splitArea: { show: true } },
        visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
        grid: { left: 160, bottom: 70 },
        series: [{ type: "heatmap", data: data.heat, label: { show: true } }]
      });
      chart.on("click", function (p) { drill(el, "opportunity", "pipeline:" + data.stages[p.data[1]].stage + "@" + data.columns[p.data[0]]); });
    },
    trend: function (data, el, chart) {
      var weeks = data.trend || data.weeks || [];
      var keys = ["closed", "commit", "best_case", "pipeline", "weighted"];
      chart.setOption({
        tooltip: { trigger: "axis" }, legend: {},
        xAxis: { type: "category", data: weeks.map(function (w) { return w.week; }) }, yAxis: { type: "value" },
        series: keys.map(function (k) { return { name: k, type: "line", data: weeks.map(function (w) { return num(w[k]); }) }; })
      });
    },
    reasons: function (data, el, chart) {
      chart.setOption({ tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"], data: data.reasons }] });
      chart.on("click", function (p) { drill(el, "opportunity", p.data.segment); });
    },
    competitors: function (data, el, chart) {
      chart.setOption({ tooltip: { trigger: "axis" },
        xAxis: { type: "value" }, yAxis: { type: "category", data: data.competitors.map(function (c) { return c.name; }) },
        series: [{ type: "bar", data: data.competitors.map(function (c) { return c.value; }) }] });
    },
    radar: function (data, el, chart) {
      var radar = data.radar || { indicators: [], series: [] };
      if (!radar.series.length) { return; }
      chart.setOption({
        tooltip: { trigger: "item" }, legend: { type: "scroll", bottom: 0 },
        radar: { indicator: radar.indicators, radius: "60%" },
        series: [{ type: "radar", data: radar.series.map(function (s) { return { name: s.name, value: s.value, segment: s.segment }; }) }]
      });
      chart.on("click", function (p) { if (p.data && p.data.segment) { drill(el, "opportunity", p.data.segment); } });
    },
    scatter: function (data, el, chart) {
      var sc = data.scatter || { stages: [], points: [] };
      var esc = (window.echarts.format && window.echarts.format.encodeHTML) || function (t) {
        return String(t).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
      };
      chart.setOption({
        tooltip: { trigger: "item", formatter: function (p) {
          return esc(p.data.number + " " + p.data.title) + "<br>" + p.data.value[0] + " · " + p.data.value[1] + " · " + p.data.value[2] + "%";
        } },
        legend: { type: "scroll" },
        xAxis: { type: "value", name: sc.x_label, nameLocation: "middle", nameGap: 28 },
        yAxis: { type: "value", name: sc.y_label },
        series: sc.stages.map(function (s) {
          return { name: s.name, type: "scatter",
            symbolSize: function (v) { return 6 + (v[2] || 0) / 5; },
            data: sc.points.filter(function (p) { return p.stage === s.stage; }).map(function (p) {
              return { value: [p.value[0], num(p.value[1]), p.value[2]], number: p.number, title: p.title };
            }) };
        })
      });
      chart.on("click", function (p) { if (p.data && p.data.number) { drill(el, "opportunity", "deal:" + p.data.number); } });
    },
    cycles: function (data, el, chart) {
      chart.setOption({ tooltip: { trigger: "axis" }, legend: {}, grid: { left: 220 },
        yAxis: { type: "category", data: data.names }, xAxis: { type: "value" },
        series: [{ name: "p50", type: "bar", data: data.p50.map(num) }, { name: "high", type: "bar", data: data.high.map(num) }] });
    }
  };

  function drawAll() {
    if (!window.echarts) { return; }
    var data = readData();
    if (!data) { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var build = builders[el.getAttribute("data-chart")];
      if (!build) { return; }
      var old = window.echarts.getInstanceByDom(el);
      if (old) { old.dispose(); }
      var chart = window.echarts.init(el);
      build(data, el, chart);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
