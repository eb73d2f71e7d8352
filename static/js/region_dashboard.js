// The region dashboard's charts, drawn with the vendored ECharts from the figures the server wrote into
// <script id="region-charts" type="application/json"> (Django's json_script). The same figures stand in
// the tables beside each chart, so nothing is lost without JavaScript.
(function () {
  "use strict";
  var source = document.getElementById("region-charts");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  // One colour per grade, best first (好, 较好, 一般, 较差), then "not decided yet".
  var palette = ["#198754", "#0d6efd", "#fd7e14", "#dc3545"];
  var undecidedColour = "#adb5bd";
  var charts = [];

  function draw(name, option) {
    var node = document.querySelector('[data-chart="' + name + '"]');
    if (!node) {
      return;
    }
    var chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  }

  function gradeSeries(byGrade, horizontal) {
    return data.grades.map(function (grade, index) {
      return {
        name: grade,
        type: "bar",
        stack: "grades",
        data: byGrade[grade],
        itemStyle: { color: palette[index % palette.length] },
        label: { show: horizontal, formatter: function (p) { return p.value || ""; } },
      };
    });
  }

  var units = gradeSeries(data.units.series, true);
  units.push({
    name: data.undecidedLabel,
    type: "bar",
    stack: "grades",
    data: data.units.undecided,
    itemStyle: { color: undecidedColour },
  });
  draw("units", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    // The first unit at the top, as in the table.
    yAxis: { type: "category", data: data.units.names, inverse: true },
    series: units,
  });

  draw("quarters", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0 },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.quarters.names },
    yAxis: { type: "value", minInterval: 1 },
    series: gradeSeries(data.quarters.series, false),
  });

  draw("bins", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 16, top: 16, bottom: 24, containLabel: true },
    xAxis: { type: "category", data: data.bins.names, name: data.bins.axis, nameLocation: "middle", nameGap: 28 },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      {
        name: data.bins.label,
        type: "bar",
        data: data.bins.people,
        barCategoryGap: "2%",
        itemStyle: { color: "#6f42c1" },
      },
    ],
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
