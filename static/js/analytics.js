// The fairness analytics' charts, drawn with the vendored ECharts from the figures the server wrote into
// <script id="analytics-charts" type="application/json">. The tables beside them hold the same figures.
(function () {
  "use strict";
  var source = document.getElementById("analytics-charts");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var charts = [];

  function bars(name, figures, colour) {
    var node = document.querySelector('[data-chart="' + name + '"]');
    if (!node || !figures.names.length) {
      return;
    }
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: figures.names, axisLabel: { rotate: 40, interval: 0 } },
      yAxis: { type: "value", name: figures.label },
      series: [
        {
          type: "bar",
          name: figures.label,
          data: figures.values.map(Number),
          itemStyle: {
            color: function (p) {
              return colour(p.value);
            },
          },
        },
      ],
    });
    charts.push(chart);
  }

  bars("leniency", data.leniency, function (v) {
    return v > 0 ? "#fd7e14" : "#0d6efd";
  });
  bars("ratings", data.ratings, function () {
    return "#198754";
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (c) {
      c.resize();
    });
  });
})();
