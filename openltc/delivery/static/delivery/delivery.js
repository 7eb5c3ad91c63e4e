// Delivery workspace charts: the plan timeline (Gantt) and the risk heat map. Data comes from
// json_script elements (CSP forbids inline script).
(function () {
  "use strict";

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function day(iso) { return new Date(iso + "T00:00:00").getTime(); }

  function gantt() {
    var el = document.getElementById("dl-gantt");
    var d = data("dl-gantt-data");
    if (!el || !d || !window.echarts) { return; }
    if (!d.items.length) { el.style.display = "none"; return; }
    var names = d.items.map(function (i) { return i.name; }).reverse();
    var colours = { done: "#2da44e", in_progress: "#0969da", not_started: "#8c959f", cancelled: "#d0d7de" };
    var rows = d.items.slice().reverse().map(function (item, index) {
      return { value: [index, day(item.start), day(item.finish) + 86400000, item.progress], item: item };
    });
    el.style.height = Math.max(240, 32 * rows.length + 80) + "px";
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { formatter: function (p) { var i = p.data.item; return i.name + "<br>" + i.stream + "<br>" + i.start + " → " + i.finish + " (" + i.progress + "%)"; } },
      grid: { left: 180, right: 24, top: 24, bottom: 40 },
      xAxis: { type: "time" },
      yAxis: { type: "category", data: names, axisLabel: { width: 170, overflow: "truncate" } },
      series: [{
        type: "custom",
        renderItem: function (params, api) {
          var y = api.value(0);
          var start = api.coord([api.value(1), y]);
          var end = api.coord([api.value(2), y]);
          var height = api.size([0, 1])[1] * 0.5;
          var item = rows[params.dataIndex].item;
          if (item.kind === "milestone") {
            return { type: "path", shape: { pathData: "M0,-8 L8,0 L0,8 L-8,0 Z", x: end[0], y: end[1], width: 16, height: 16 }, style: { fill: colours[item.status] || "#8c959f" } };
          }
          return { type: "rect", shape: { x: start[0], y: start[1] - height / 2, width: Math.max(end[0] - start[0], 2), height: height }, style: { fill: colours[item.status] || "#8c959f" } };
        },
        encode: { x: [1, 2], y: 0 },
        data: rows,
        markLine: { symbol: "none", data: [{ xAxis: day(d.today) }], lineStyle: { type: "dashed" } }
      }]
    });
  }

  function heat() {
    var el = document.getElementById("dl-heat");
    var d = data("dl-heat-data");
    if (!el || !d || !window.echarts) { return; }
    var scale = ["1", "2", "3", "4", "5"];
    var background = [];
    for (var i = 0; i < 5; i++) { for (var p = 0; p < 5; p++) { background.push([i, p, 0]); } }
    var counts = {};
    d.cells.forEach(function (c) { counts[c[0] + ":" + c[1]] = c[2]; });
    var cells = background.map(function (c) { return [c[0], c[1], counts[c[0] + ":" + c[1]] || 0, (c[0] + 1) * (c[1] + 1)]; });
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { formatter: function (p) { return "P " + (p.data[1] + 1) + " × I " + (p.data[0] + 1) + " = " + p.data[3] + "<br>" + p.data[2]; } },
      grid: { left: 50, right: 20, top: 20, bottom: 50 },
      xAxis: { type: "category", data: scale, name: "I", nameLocation: "middle", nameGap: 28 },
      yAxis: { type: "category", data: scale, name: "P", nameLocation: "middle", nameGap: 30 },
      visualMap: { min: 1, max: 25, dimension: 3, show: false, inRange: { color: ["#e9f7ec", "#fff8c5", "#ffd8b5", "#ff8182"] } },
      series: [{ type: "heatmap", data: cells, label: { show: true, formatter: function (p) { return p.data[2] || ""; } } }]
    });
  }

  document.addEventListener("DOMContentLoaded", function () { gantt(); heat(); });
})();
