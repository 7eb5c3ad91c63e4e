/* $APPEALS radar chart: reads the JSON from the json_script element named by data-appeals-radar. */
(function () {
  "use strict";

  function draw(el) {
    if (!window.echarts) { return; }
    var source = document.getElementById(el.getAttribute("data-appeals-radar"));
    if (!source) { return; }
    var data;
    try { data = JSON.parse(source.textContent); } catch (e) { return; }
    if (!data || !data.series || !data.series.length) { return; }
    var old = window.echarts.getInstanceByDom(el);
    if (old) { old.dispose(); }
    var chart = window.echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "item" },
      legend: { bottom: 0, data: data.series.map(function (s) { return s.name; }) },
      radar: {
        indicator: data.indicators,
        radius: "62%",
        axisName: {
          formatter: function (name) {
            return (data.key || []).indexOf(name) >= 0 ? "★ " + name : name;
          }
        }
      },
      series: [{
        type: "radar",
        emphasis: { lineStyle: { width: 3 } },
        data: data.series.map(function (s, i) {
          return {
            name: s.name,
            value: s.value.map(function (v) { return v === null ? 0 : v; }),
            lineStyle: i === 0 ? { type: "dashed" } : {},
            areaStyle: i === 1 ? { opacity: 0.15 } : undefined
          };
        })
      }]
    });
    el.setAttribute("data-rendered", "1");
    window.requestAnimationFrame(function () { chart.resize(); });
  }

  function init() {
    document.querySelectorAll("[data-appeals-radar]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", init);
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-appeals-radar]").forEach(function (el) {
      var chart = window.echarts && window.echarts.getInstanceByDom(el);
      if (chart) { chart.resize(); }
    });
  });
})();
